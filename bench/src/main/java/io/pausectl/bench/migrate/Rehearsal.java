package io.pausectl.bench.migrate;

import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A rehearsal against the user's own staging stack: open-loop load on an existing proxy or HAProxy
 * front while {@code pausectl run ... -- CMD} (its own process, its output on this terminal) runs the
 * user's real migration; then what the clients saw.
 */
public final class Rehearsal {

    /**
     * @param url        the front the clients use (a pause-proxy's listen address, or HAProxy's frontend)
     * @param readPath   path of the reads
     * @param writePath  path of the writes ({@code POST}, empty body, unique {@code X-Req-Id}); null for none
     * @param writeEvery one request in this many is a write (when {@code writePath} is set)
     * @param rate       requests per second, open-loop
     * @param before     load before the window opens
     * @param after      load after pausectl has exited
     * @param pausectl   pausectl's arguments: global options, {@code run}, its options, {@code --}, the command
     * @param output     where pausectl's and the command's output go: null for this terminal
     */
    public record Settings(URI url, String readPath, String writePath, int writeEvery, double rate, Duration before,
                           Duration after, List<String> pausectl, Path output) {
    }

    /**
     * What the clients saw.
     *
     * @param unanswered requests sent and never answered (lost)
     * @param writesAcknowledged writes answered 2xx
     */
    public record Report(long sent, long ok, long failed, Map<String, Long> errors, long unanswered,
                         long writesAcknowledged, double p50Ms, double p99Ms, double maxMs, int pausectlExit,
                         long windowMs) {
    }

    private Rehearsal() {
    }

    public static Report run(Settings s) throws Exception {
        MixedLoad load = new MixedLoad(s.url(), s.rate(), s.writePath() == null ? 0 : s.writeEvery(),
                i -> s.readPath(), s.writePath(), UUID.randomUUID().toString().replace("-", "").substring(0, 10));
        try {
            waitFor(s.before());
            List<String> command = new ArrayList<>(MigrateScenario.javaCommand("io.pausectl.cli.PausectlMain"));
            command.addAll(s.pausectl());
            long start = System.nanoTime();
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO().redirectInput(new File("/dev/null"));
            if (s.output() != null) {
                builder.redirectErrorStream(true).redirectOutput(s.output().toFile());
            }
            Process pausectl = builder.start();
            int exit = pausectl.waitFor();
            long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            waitFor(s.after());
            load.finish(Duration.ofSeconds(90));
            return new Report(load.sent(), load.ok(), load.failed(), load.errors(), load.unanswered(),
                    load.acknowledgedWrites().size(), load.p50LatencyMs(), load.p99LatencyMs(), load.maxLatencyMs(),
                    exit, windowMs);
        } finally {
            load.close();
        }
    }

    private static void waitFor(Duration d) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }
}
