package io.pausectl.cli;

import com.sun.net.httpserver.HttpServer;
import io.pausectl.api.Counters;
import io.pausectl.api.Lease;
import io.pausectl.api.Limits;
import io.pausectl.api.Maintenance;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The training run behind the launcher's class-data-sharing archive ({@code PAUSECTL_CDS=dump}, run
 * by the build): calls {@code status}, {@code pause} and {@code resume}, in text and JSON, against a
 * stand-in admin API on loopback that answers a full status, so that the archive holds every class a
 * real call loads — the HTTP client, the JSON reader of {@link Status} and writer of the requests, the
 * text rendering. Trained against a closed port (the first
 * version), the archive left out Jackson's reading side, some 600 classes loaded and verified from
 * the jar at every call (issue 12 item 7).
 */
final class CdsTraining {
    /** Set (to anything) by the launcher's dump: run the training calls instead of the arguments. */
    static final String ENV = "PAUSECTL_CDS_TRAINING";

    private CdsTraining() {
    }

    /** Runs the training calls; their output goes nowhere. Returns the exit code. */
    static int run(CliContext context) throws IOException {
        byte[] status = PauseCommand.json(sampleStatus()).getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, status.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(status);
            }
        });
        server.start();
        try {
            String target = "http://127.0.0.1:" + server.getAddress().getPort();
            int code = 0;
            for (String[] args : List.of(new String[] {"--target", target, "status"},
                    new String[] {"--target", target, "-o", "json", "status"},
                    new String[] {"--target", target, "pause", "--ttl", "30s"},
                    new String[] {"--target", target, "-o", "json", "pause"},
                    new String[] {"--target", target, "resume", "--lease", "l-1"},
                    new String[] {"--target", target, "-o", "json", "resume", "--force"})) {
                PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
                code = Math.max(code, PausectlCommand.commandLine(context, nowhere, nowhere, args).execute(args));
            }
            return code;
        } finally {
            server.stop(0);
        }
    }

    /** A status with every part present (lease, scope, counters, limits, maintenance). */
    private static Status sampleStatus() {
        Instant now = Instant.now();
        Scope scope = new Scope(List.of("POST"), List.of("/orders"), List.of("app.example"));
        return new Status(PauseState.PAUSED, 1, 512, 1, 0, 1500,
                new Lease("l-1", "pausectl/training", "training", now.plusSeconds(60), scope), now.minusSeconds(2), 1,
                new Counters(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), new Limits(30_000, 300_000, 10_000, 64 << 20),
                new Maintenance("m-1", "pausectl/training", "back soon", 60, now.plusSeconds(600), scope));
    }
}
