package io.pausectl.bench.command;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.pausectl.api.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a scenario's JSON or chart file, creating its directory. */
final class Output {
    private Output() {
    }

    static void json(Path file, Object report) throws IOException {
        String text = Json.strict().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        text(file, text + "\n");
    }

    static void text(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text);
    }
}
