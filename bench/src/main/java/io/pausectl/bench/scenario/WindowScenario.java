package io.pausectl.bench.scenario;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.load.RequestLog;
import io.pausectl.bench.upstream.IdLedger;
import io.pausectl.bench.upstream.ProcessUpstream;
import io.pausectl.bench.upstream.SampleUpstream;
import io.pausectl.bench.upstream.WindowUpstream;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A maintenance window end to end: the sample upstream, a real pause-proxy in its own process in
 * front of it, open-loop load through the proxy, and in the middle of the load a
 * {@code pausectl run -- sleep <pause>}. Reports what the clients saw and what the upstream saw.
 */
public final class WindowScenario {
    /** Requests through the proxy before a measurement, so it measures the proxy's steady state. */
    static final int WARM_UP_REQUESTS = 2000;

    private WindowScenario() {
    }

    /**
     * @param rate            requests per second
     * @param duration        how long the load lasts
     * @param pause           how long the command inside {@code pausectl run} takes
     * @param generatorThreads event loops of the load generator
     * @param warmUpRequests  requests sent through the proxy before the measured load
     * @param proxyJvmOptions JVM options of the proxy process
     * @param upstreamKeepAlive the sample upstream closes connections idle this long (null: never)
     * @param killUpstreamAfter the upstream runs as its own process and is SIGKILLed this long after the
     *                        drain began (null: it runs in the bench's process and is never killed)
     * @param upstreamDownFor how long after the kill the upstream is started again on its port
     */
    public record Settings(double rate, Duration duration, Duration pause, int generatorThreads, int warmUpRequests,
                           List<String> proxyJvmOptions, Duration upstreamKeepAlive, Duration killUpstreamAfter,
                           Duration upstreamDownFor) {
        public Settings(double rate, Duration duration, Duration pause, int generatorThreads, int warmUpRequests,
                        List<String> proxyJvmOptions, Duration upstreamKeepAlive) {
            this(rate, duration, pause, generatorThreads, warmUpRequests, proxyJvmOptions, upstreamKeepAlive, null, null);
        }

        public Settings {
            if (killUpstreamAfter != null && (killUpstreamAfter.isNegative() || upstreamDownFor == null
                    || upstreamDownFor.isNegative())) {
                throw new IllegalArgumentException("--kill-upstream-mid-drain needs a delay of 0 or more and --upstream-down");
            }
            if (!(rate > 0)) {
                throw new IllegalArgumentException("--rate must be positive");
            }
            if (duration.toMillis() <= 0) {
                throw new IllegalArgumentException("--duration must be positive");
            }
            if (pause.isNegative() || pause.compareTo(duration) >= 0) {
                throw new IllegalArgumentException("--pause must be shorter than --duration (the pause sits in the middle of the load)");
            }
            if (rate * duration.toMillis() / 1000.0 > 2_000_000) {
                throw new IllegalArgumentException("--rate x --duration is over 2,000,000 requests: too many for one run");
            }
        }
    }

    /** The window's JSON, fields as the design lists them. */
    public record Report(long sent, long ok, long failed, long lost, long duplicated, double p50Ms, double p99Ms,
                         double maxMs, long pauseMs, long drainMs) {
    }

    /**
     * Everything the window measured.
     *
     * @param report          the JSON fields
     * @param held            answers that said the proxy held them
     * @param maxHeldMs       the longest hold the proxy reported
     * @param pauseStartNs    when the proxy paused, ns after the load's start
     * @param pauseEndNs      when it released the first held request, ns after the load's start
     * @param runStartNs      when {@code pausectl run} began, ns after the load's start
     * @param runEndNs        when it returned (after the held requests drained), ns after the load's start
     * @param runMs           {@code pausectl run}'s wall time
     * @param pauseFromProxy  whether pauseMs is the proxy's own figure ({@code pauseproxy_pause_seconds})
     * @param failures        failed requests by cause
     * @param answeredUnseen  requests answered 2xx whose id the upstream never saw (an answer the proxy made up)
     * @param foreignAtUpstream requests that reached the upstream without an id of this run
     * @param log             each request's times
     * @param outage          the upstream's kill and return, or null when it was not killed
     */
    public record Outcome(Report report, long held, long maxHeldMs, long pauseStartNs, long pauseEndNs,
                          long runStartNs, long runEndNs, long runMs, boolean pauseFromProxy, Map<String, Long> failures, long answeredUnseen, long foreignAtUpstream, RequestLog log,
                          Outage outage) {

        /**
         * Nothing failed, lost or duplicated. With the upstream killed mid-drain, a request inside it as
         * it died may fail, or be sent once more as it is idempotent (the proxy's retry rule); none may
         * fail for a refused connection.
         */
        public boolean clean() {
            boolean failures = outage == null ? report.failed() == 0 : outage.refused502() == 0;
            long faultyDuplicates = report.duplicated() - (outage == null ? 0 : outage.resent());
            return failures && report.lost() == 0 && faultyDuplicates == 0 && answeredUnseen == 0;
        }

        /** The latency-over-time chart of the window. */
        public String svg(String title, Duration pause) {
            String pauseLabel = String.format(Locale.ROOT, "proxy paused %d ms", report.pauseMs());
            String runLabel = String.format(Locale.ROOT, "pausectl run -- sleep %s: %d ms, pause to drained",
                    sleepArgument(pause), runMs);
            String caption = String.format(Locale.ROOT,
                    "sent %d, ok %d, failed %d, lost %d, duplicated %d; held %d (longest %d ms); p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    report.sent(), report.ok(), report.failed(), report.lost(), report.duplicated(), held, maxHeldMs,
                    report.p50Ms(), report.p99Ms(), report.maxMs());
            return LatencyChart.render(log, new LatencyChart.Span(pauseStartNs, pauseEndNs, pauseLabel),
                    new LatencyChart.Span(runStartNs, runEndNs, runLabel), title, caption);
        }
    }

    /**
     * The upstream killed mid-drain ({@code --kill-upstream-mid-drain}), as the clients saw it.
     *
     * @param killedAfterDrainMs when the SIGKILL came, ms after the drain began (the proxy left {@code paused})
     * @param downMs             from the kill until the new process listened on the port
     * @param answered502        requests answered 502
     * @param refused502         of them, answered "cannot connect to the upstream": their connections were
     *                           refused until their deadline, so they were never sent (must be 0)
     * @param unseen502          of them, never seen by any upstream process (refused, or still in a dead
     *                           process's queue when it died: never read by the origin)
     * @param answered504        requests answered 504
     * @param resent             duplicated requests that the killed process saw once and died without
     *                           answering, and the restarted one saw once more: the proxy's retry rule for
     *                           an idempotent request whose connection ended before any answer (this
     *                           scenario sends GETs only), not a fault
     */
    public record Outage(long killedAfterDrainMs, long downMs, long answered502, long refused502, long unseen502,
                         long answered504, long resent) {
    }

    /** The proxy's words for a request it could not connect for (its 502 body). */
    static final String CANNOT_CONNECT = "cannot connect to the upstream";

    /** The argument given to {@code sleep} for a pause: whole or fractional seconds. */
    public static String sleepArgument(Duration pause) {
        long ms = pause.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }

    public static Outcome run(Settings s, PauseWindowDriver driver, Narrator n) throws Exception {
        int count = (int) Math.round(s.rate() * s.duration().toMillis() / 1000.0);
        double pauseSec = s.pause().toMillis() / 1000.0;
        // every request held during the pause keeps its connection busy: room for all of them
        int maxConnections = (int) Math.min(15_000, s.rate() * (pauseSec + 2) + 64);

        n.say("starting the sample upstream: a small HTTP server in this process that answers 'ok'"
                + " and records the X-Req-Id of every request it gets");
        ProcessUpstream killable = s.killUpstreamAfter() == null ? null : ProcessUpstream.start(s.upstreamKeepAlive());
        if (killable != null) {
            n.say("the upstream runs as its own process (pid %d), to be SIGKILLed %s into the drain and started again"
                    + " %s later", killable.pid(), human(s.killUpstreamAfter()), human(s.upstreamDownFor()));
        }
        try (WindowUpstream upstream = killable != null ? killable
                : SampleUpstream.start(1, io.pausectl.bench.upstream.UpstreamBehaviour.ALWAYS_OK, s.upstreamKeepAlive())) {
            n.say("upstream on %s; starting pause-proxy in front of it, as its own process", upstream.uri());
            try (BenchProxy proxy = BenchProxy.start(upstream.uri(), List.of(), s.proxyJvmOptions());
                 LoadGenerator generator = new LoadGenerator(s.generatorThreads())) {
                n.say("pause-proxy (pid %d) takes clients on %s; admin API on %s", proxy.pid(), proxy.clientUri(),
                        proxy.adminUrl());
                n.say("warming the proxy up with %d requests; asking its state with pausectl status", s.warmUpRequests());
                warmUp(generator, proxy, upstream, s.warmUpRequests());
                int statusExit = driver.status(proxy.adminUrl(), n);
                if (statusExit != 0) {
                    throw new IllegalStateException("pausectl status exited " + statusExit + " against " + proxy.adminUrl());
                }
                long lagNanos = rehearse(driver, proxy, n);

                LoadSpec spec = LoadSpec.openLoop(proxy.clientUri(), s.rate(), count)
                        .maxConnections(maxConnections)
                        .answerGrace(s.pause().plus(Duration.ofSeconds(15)))
                        .build();
                IdLedger ledger = upstream.openLedger(spec.runId(), count);
                n.say("load: %s requests a second for %s, open loop (each request leaves at its set time, busy or not;"
                        + " latency counts from then), each with a unique X-Req-Id", fmt(s.rate()), human(s.duration()));
                LoadRun run = generator.start(spec);

                // pausectl run reaches the proxy lagNanos after it starts: start it that much earlier, so
                // that the pause itself sits in the middle of the load
                long pauseAtNs = run.startNanos() + (s.duration().toNanos() - s.pause().toNanos()) / 2;
                sleepUntil(Math.max(run.startNanos(), pauseAtNs - lagNanos));
                n.say("pausectl run -- sleep %s: pauses the proxy, runs the command, resumes", sleepArgument(s.pause()));
                ScheduledExecutorService watcher = n.verbose() ? watch(proxy, n) : null;
                long pausedBefore = proxy.admin().pausedMillisTotal();
                long pauseStart = System.nanoTime();
                int[][] seenByKilled = new int[1][];
                CompletableFuture<long[]> outage = killable == null ? null
                        : CompletableFuture.supplyAsync(() -> killMidDrain(proxy, killable, s, n,
                                () -> seenByKilled[0] = ledger.snapshot()), outageThread());
                int exit;
                try {
                    exit = driver.runWindow(proxy.adminUrl(), s.pause(), n);
                } finally {
                    if (watcher != null) {
                        watcher.shutdownNow();
                    }
                }
                long pauseEnd = System.nanoTime();
                if (exit != 0) {
                    run.finishNow();
                    throw new IllegalStateException("pausectl run exited " + exit + "; the window did not happen as planned."
                            + " Proxy's last lines:\n" + proxy.lastLines());
                }
                n.say("pausectl run returned after %d ms: traffic resumed, the held requests were released in order",
                        TimeUnit.NANOSECONDS.toMillis(pauseEnd - pauseStart));

                long pausedAfter = proxy.admin().pausedMillisTotal();
                long proxyPauseMs = pausedBefore < 0 || pausedAfter < 0 ? -1 : pausedAfter - pausedBefore;
                LoadResult r = run.result().get(s.duration().toSeconds() + s.pause().toSeconds() + 120, TimeUnit.SECONDS);
                long[] killed = outage == null ? null : outage.get(60, TimeUnit.SECONDS);
                long pauseStartOffset = pauseStart - run.startNanos();
                long pauseEndOffset = pauseEnd - run.startNanos();
                n.say("load finished: every request was answered or given up on");
                upstream.awaitRecorded(ledger, answeredOk(r.log()), Duration.ofSeconds(10));
                return outcome(r, ledger, upstream, pauseStartOffset, pauseEndOffset, proxyPauseMs, killed,
                        seenByKilled[0]);
            }
        }
    }

    /**
     * Waits until the proxy leaves {@code paused} (the drain began), SIGKILLs the upstream
     * {@code killUpstreamAfter} later, and starts it again {@code upstreamDownFor} after that.
     *
     * @return {ms from the drain's start to the kill, ms from the kill until the upstream listened again}
     */
    private static long[] killMidDrain(BenchProxy proxy, ProcessUpstream upstream, Settings s, Narrator n,
                                       Runnable afterKill) {
        try {
            long deadline = System.nanoTime() + s.pause().toNanos() + TimeUnit.SECONDS.toNanos(60);
            boolean sawPaused = false;
            while (true) {
                PauseState state = proxy.admin().status().state();
                if (state == PauseState.PAUSED || state == PauseState.PAUSING) {
                    sawPaused = true;
                } else if (sawPaused) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the proxy never paused and resumed within the window");
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
            long drainSeen = System.nanoTime();
            sleepUntil(drainSeen + s.killUpstreamAfter().toNanos());
            long pid = upstream.pid();
            long killAt = System.nanoTime();
            upstream.kill();
            afterKill.run();
            n.say("upstream process %d SIGKILLed %d ms into the drain", pid,
                    TimeUnit.NANOSECONDS.toMillis(killAt - drainSeen));
            sleepUntil(killAt + s.upstreamDownFor().toNanos());
            upstream.restart();
            long back = System.nanoTime();
            n.say("upstream started again on its port (pid %d), %d ms after the kill", upstream.pid(),
                    TimeUnit.NANOSECONDS.toMillis(back - killAt));
            return new long[] {TimeUnit.NANOSECONDS.toMillis(killAt - drainSeen),
                    TimeUnit.NANOSECONDS.toMillis(back - killAt)};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing the upstream", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not kill and restart the upstream: " + e.getMessage(), e);
        }
    }

    private static java.util.concurrent.Executor outageThread() {
        return task -> {
            Thread t = new Thread(task, "window-upstream-killer");
            t.setDaemon(true);
            t.start();
        };
    }

    /** The sequence numbers of the requests answered 2xx. */
    private static int[] answeredOk(RequestLog log) {
        return IntStream.range(0, log.capacity()).filter(log::ok).toArray();
    }

    private static Outcome outcome(LoadResult r, IdLedger ledger, WindowUpstream upstream, long runStartOffset,
                                   long runEndOffset, long proxyPauseMs, long[] killed, int[] seenByKilled) {
        RequestLog log = r.log();
        long firstHeldDone = Long.MAX_VALUE;
        long lastHeldDone = -1;
        long unseen = 0;
        long unseen502 = 0;
        long answered502 = 0;
        long answered504 = 0;
        for (int seq = 0; seq < log.capacity(); seq++) {
            if (log.status(seq) == 502) {
                answered502++;
                if (ledger.timesSeen(seq) == 0) {
                    unseen502++;
                }
            } else if (log.status(seq) == 504) {
                answered504++;
            }
            if (log.heldMillis(seq) >= 0 && log.doneNanos(seq) >= 0) {
                firstHeldDone = Math.min(firstHeldDone, log.doneNanos(seq));
                lastHeldDone = Math.max(lastHeldDone, log.doneNanos(seq));
            }
            if (log.ok(seq) && ledger.timesSeen(seq) == 0) {
                unseen++;
            }
        }
        // the proxy starts releasing before pausectl hears that the resume was taken, so the drain is
        // timed by the clients: from the first held request answered to the last
        long drainMs = lastHeldDone < 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(lastHeldDone - firstHeldDone);
        long runMs = TimeUnit.NANOSECONDS.toMillis(runEndOffset - runStartOffset);
        // the proxy's own account of the pause; pausectl's wall time only if the proxy gives none
        long pauseMs = proxyPauseMs >= 0 ? proxyPauseMs : runMs;
        // the pause ended when the first held request was released, a moment before it was answered
        long pauseEndOffset = lastHeldDone < 0 ? runEndOffset : firstHeldDone;
        long pauseStartOffset = pauseEndOffset - TimeUnit.MILLISECONDS.toNanos(pauseMs);
        Report report = new Report(r.sent(), r.ok(), r.failed(), r.lost(), ledger.duplicated(), round(r.p50Ms()),
                round(r.p99Ms()), round(r.maxMs()), pauseMs, drainMs);
        Outage outage = null;
        if (killed != null) {
            long refused502 = 0;
            for (Map.Entry<String, Long> e : r.failures().entrySet()) {
                if (e.getKey().startsWith("HTTP 502") && e.getKey().contains(CANNOT_CONNECT)) {
                    refused502 += e.getValue();
                }
            }
            long resent = 0;
            for (int seq = 0; seq < log.capacity(); seq++) {
                if (ledger.timesSeen(seq) == 2 && seenByKilled != null && seenByKilled[seq] == 1) {
                    resent++;
                }
            }
            outage = new Outage(killed[0], killed[1], answered502, refused502, unseen502, answered504, resent);
        }
        return new Outcome(report, r.heldAnswers(), r.maxHeldMs(), pauseStartOffset, pauseEndOffset, runStartOffset,
                runEndOffset, runMs, proxyPauseMs >= 0, r.failures(), unseen, upstream.foreignRequests(), log, outage);
    }

    /**
     * A whole {@code pausectl run -- sleep 0} before the load, timed: the first one in this process
     * loads and compiles its code, which on a loaded machine took seconds, so the measured window's
     * pause began after its load had ended (nothing held, "held by the proxy 0", drain 0 ms). This
     * one takes that cost, and tells how long the next one takes to reach the proxy.
     *
     * @return nanoseconds from starting {@code pausectl run} until the proxy left {@code running}
     */
    static long rehearse(PauseWindowDriver driver, BenchProxy proxy, Narrator n) throws Exception {
        long[] pausedAt = {0};
        Thread watcher = new Thread(() -> {
            try {
                while (pausedAt[0] == 0 && !Thread.currentThread().isInterrupted()) {
                    if (proxy.admin().status().state() != PauseState.RUNNING) {
                        pausedAt[0] = System.nanoTime();
                        return;
                    }
                    TimeUnit.MILLISECONDS.sleep(2);
                }
            } catch (Exception e) {
                // no figure: the window starts on time
            }
        }, "window-rehearsal");
        watcher.setDaemon(true);
        // twice: the first loads the code, the second is timed as the measured one will run
        int exit = driver.runWindow(proxy.adminUrl(), Duration.ZERO, new Narrator(new java.io.PrintWriter(java.io.Writer.nullWriter()), false));
        long start = System.nanoTime();
        watcher.start();
        exit = exit != 0 ? exit : driver.runWindow(proxy.adminUrl(), Duration.ZERO, new Narrator(new java.io.PrintWriter(java.io.Writer.nullWriter()), false));
        watcher.interrupt();
        watcher.join(5000);
        if (exit != 0) {
            throw new IllegalStateException("pausectl run -- sleep 0 exited " + exit + " before the load; proxy's last lines:\n"
                    + proxy.lastLines());
        }
        long lag = pausedAt[0] == 0 ? 0 : Math.max(0, pausedAt[0] - start);
        n.say("rehearsed pausectl run -- sleep 0 twice before the load: it reaches the proxy %d ms after it starts",
                TimeUnit.NANOSECONDS.toMillis(lag));
        return lag;
    }

    /** Some traffic first, so the window measures the proxy's steady state, not its JIT compiler. */
    static void warmUp(LoadGenerator generator, BenchProxy proxy, WindowUpstream upstream, int requests) throws Exception {
        LoadSpec warm = LoadSpec.closedLoop(proxy.clientUri(), 16, requests, Duration.ofSeconds(20))
                .runId("warmup" + System.nanoTime()).build();
        upstream.openLedger(warm.runId(), warm.count());
        LoadResult r = generator.start(warm).result().get(60, TimeUnit.SECONDS);
        if (r.ok() != r.sent()) {
            throw new IllegalStateException("the proxy did not pass warm-up traffic: " + r.ok() + " of " + r.sent()
                    + " ok, failures " + r.failures() + "; proxy's last lines:\n" + proxy.lastLines());
        }
    }

    /** Narrates the pause as the proxy's admin API shows it: state changes, and how many requests it holds. */
    private static ScheduledExecutorService watch(BenchProxy proxy, Narrator n) {
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "window-watcher");
            t.setDaemon(true);
            return t;
        });
        PauseState[] last = {PauseState.RUNNING};
        long[] lastReport = {0};
        ex.scheduleWithFixedDelay(() -> {
            try {
                Status st = proxy.admin().status();
                long now = System.nanoTime();
                if (st.state() != last[0]) {
                    last[0] = st.state();
                    n.say("proxy is %s: holding %d request(s)", st.state().wireName(), st.queueDepth());
                    lastReport[0] = now;
                } else if (st.state() != PauseState.RUNNING && now - lastReport[0] > TimeUnit.MILLISECONDS.toNanos(900)) {
                    n.say("%s", progress(st));
                    lastReport[0] = now;
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        return ex;
    }

    /**
     * The narration's line while the proxy is not running, true to its state: only while paused is nothing
     * sent to the upstream; while pausing, the requests in flight still finish; while draining, the held
     * requests are being sent.
     */
    static String progress(Status st) {
        String held = "holding " + st.queueDepth() + " request(s), the oldest for " + st.oldestHeldMs() + " ms";
        return "proxy is " + st.state().wireName() + ": " + switch (st.state()) {
            case PAUSED -> held + "; nothing sent to the upstream meanwhile";
            case PAUSING -> held + "; new requests held while " + st.inFlightInScope() + " in flight finish";
            case DRAINING -> "releasing the held requests to the upstream in order, " + st.queueDepth() + " still held";
            default -> held;
        };
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static String human(Duration d) {
        return io.pausectl.common.Durations.format(d);
    }
}
