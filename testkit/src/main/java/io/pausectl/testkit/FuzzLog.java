package io.pausectl.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Java half of the quiet fuzz runs ({@code testkit/src/fuzz/bin/java}): in a JVM started by
 * that script (system property {@code pausectl.fuzz.log}, the file libFuzzer's output goes to), it
 * names the log after the test class and marks it when a test failed, so that the script prints the
 * log then and only then. Elsewhere it does nothing. Registered for every test class through JUnit's
 * extension auto-detection.
 */
public final class FuzzLog implements BeforeAllCallback, TestWatcher, AfterAllCallback {
    /** The system property the script sets: the path of the fork's stderr log. */
    public static final String LOG_PROPERTY = "pausectl.fuzz.log";

    @Override
    public void beforeAll(ExtensionContext context) {
        log().ifPresent(log -> write(Path.of(log + ".class"), context.getRequiredTestClass().getSimpleName()));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        log().ifPresent(log -> write(Path.of(log + ".failed"), context.getDisplayName()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // a failure of the class itself (a @BeforeAll, another extension), not of one of its tests
        context.getExecutionException().ifPresent(e -> testFailed(context, e));
    }

    private static Optional<String> log() {
        return Optional.ofNullable(System.getProperty(LOG_PROPERTY));
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
