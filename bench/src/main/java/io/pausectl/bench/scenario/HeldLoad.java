package io.pausectl.bench.scenario;

import io.pausectl.api.Status;
import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.upstream.IdLedger;
import io.pausectl.bench.upstream.SampleUpstream;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * What hold and drain share: a proxy configured to hold {@code count} requests for long enough,
 * paused, then {@code count} requests sent to it, one connection each, until the proxy says it
 * holds them all.
 */
final class HeldLoad {
    /** Rate at which the held requests are sent: quick, yet gentle on accept queues. */
    private static final double SEND_RATE = 5000;
    private static final Duration HOLD_LIMIT = Duration.ofMinutes(5);

    private HeldLoad() {
    }

    /** Descriptors the bench needs beside one per held request (upstream, pools, JVM files). */
    private static final int SPARE_FILES = 1024;

    /**
     * Checks {@code --count} for hold and drain: one connection per held request, so it must fit
     * the machine's open-files limits.
     */
    static void checkCount(int count) throws IOException {
        if (count <= 0 || count > 18_000) {
            throw new IllegalArgumentException("--count must be 1..18000 (one connection per held request;"
                    + " this machine allows 20000 open files per process)");
        }
        checkOpenFiles(count);
    }

    /**
     * Fails with a clear message when this process (and so the proxy it starts, which inherits the
     * limit) may not open a connection per held request. {@code ulimit -n} is per process; raise
     * the soft limit up to the hard one ({@code ulimit -Hn}) in the shell that runs the bench.
     */
    static void checkOpenFiles(int count) throws IOException {
        java.nio.file.Path limits = java.nio.file.Path.of("/proc/self/limits");
        if (!java.nio.file.Files.isReadable(limits)) {
            return;
        }
        for (String line : java.nio.file.Files.readAllLines(limits)) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                if (f[0].equals("unlimited")) {
                    return;
                }
                long soft = Long.parseLong(f[0]);
                if (soft < count + SPARE_FILES) {
                    throw new IllegalArgumentException("holding " + count + " requests needs about " + (count + SPARE_FILES)
                            + " open files per process; the limit is " + soft + " (hard " + f[1] + "): run 'ulimit -n "
                            + (count + SPARE_FILES) + "' first, or lower --count");
                }
                return;
            }
        }
    }

    /**
     * Proxy flags that let {@code count} requests be held for minutes, each on its own connection
     * (the default --max-connections, half the open-files limit, is below 10,000 here).
     */
    static List<String> proxyArgs(int count) {
        return List.of(
                "--max-connections", Integer.toString(count + SPARE_FILES),
                "--max-queued", Integer.toString(count),
                "--max-queued-bytes", "1GiB",
                "--queue-timeout", "10m",
                "--max-pause", "10m");
    }

    /** Pauses the proxy; returns the lease id. */
    static String pause(BenchProxy proxy, String reason) throws IOException, InterruptedException {
        Status st = proxy.admin().pause(reason, HOLD_LIMIT);
        if (st.lease() == null) {
            throw new IOException("the proxy answered the pause without a lease: state " + st.state());
        }
        return st.lease().id();
    }

    /**
     * What the requests answered so far got, as the generator counts them: a status, or a
     * connection the generator could not open (its connect timeout: a listen queue overflowing on
     * a loaded host) or that closed before the answer. "Answered" includes those, so a hold that
     * stops here is not always the gate answering.
     */
    private static String answersOf(LoadRun run) {
        try {
            return run.result().get(10, java.util.concurrent.TimeUnit.SECONDS).failures().toString();
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    /** How many requests a paused gate holds now. */
    interface HeldCount {
        long held() throws Exception;
    }

    /** Sends {@code count} requests through the paused proxy and waits until it holds them all. */
    static LoadRun sendAndAwaitHeld(LoadGenerator generator, BenchProxy proxy, SampleUpstream upstream, int count,
                                    Narrator n) throws Exception {
        return sendAndAwaitHeld(generator, proxy.clientUri(), () -> proxy.admin().status().queueDepth(), upstream, count,
                n, () -> "proxy's last lines:\n" + proxy.lastLines());
    }

    /**
     * Sends {@code count} requests to {@code target}, a paused gate in front of {@code upstream}, one
     * connection each, and waits until {@code gate} says it holds them all; fails when one is
     * answered or reaches the upstream meanwhile (the gate is not holding).
     */
    static LoadRun sendAndAwaitHeld(LoadGenerator generator, URI target, HeldCount gate, SampleUpstream upstream,
                                    int count, Narrator n, Supplier<String> diagnostics) throws Exception {
        LoadSpec spec = LoadSpec.openLoop(target, SEND_RATE, count)
                .maxConnections(count)
                .answerGrace(HOLD_LIMIT)
                .build();
        IdLedger ledger = upstream.openLedger(spec.runId(), count);
        LoadRun run = generator.start(spec);
        long deadline = System.nanoTime() + Duration.ofSeconds(60 + count / 500).toNanos();
        long lastSaid = System.nanoTime();
        while (true) {
            long held = gate.held();
            if (held >= count) {
                break;
            }
            if (run.answeredSoFar() > 0 || ledger.arrivals() > 0) {
                long answered = run.answeredSoFar();
                run.finishNow();
                throw new IllegalStateException("while paused, " + answered + " request(s) were answered and "
                        + ledger.arrivals() + " reached the upstream: the gate is not holding (it holds " + held
                        + "); the answers: " + answersOf(run));
            }
            if (System.nanoTime() > deadline) {
                run.finishNow();
                throw new IllegalStateException("the gate holds " + held + " of " + count + " requests after the deadline; "
                        + diagnostics.get());
            }
            if (System.nanoTime() - lastSaid > 2_000_000_000L) {
                n.always("held %d of %d", held, count);
                lastSaid = System.nanoTime();
            }
            Thread.sleep(100);
        }
        return run;
    }
}
