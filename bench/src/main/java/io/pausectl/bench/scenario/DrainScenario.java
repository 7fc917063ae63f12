package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.load.RequestLog;
import io.pausectl.bench.upstream.SampleUpstream;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How fast a paused proxy empties its queue: {@code count} requests held, then resumed; the time
 * from the resume to the last answer, against the upstream's own capacity and against the
 * proxy's own pass-through rate for the same requests, both measured in the same run by the same
 * generator (closed loop, as many keep-alive connections as the proxy's drain concurrency,
 * {@code count} requests, timed from when those connections are all open, as a drain is timed on
 * connections already open: straight to the upstream, then through the proxy unpaused). Optionally
 * also HAProxy with the Lua gate releasing as many held requests, timed the same way.
 */
public final class DrainScenario {
    /** The proxy's default drain concurrency, and the closed-loop concurrency of the capacity run. */
    private static final int CONCURRENCY = 256;

    private DrainScenario() {
    }

    /**
     * The drain's JSON: the design's fields, then the proxy's own pass-through rate and the drain's
     * ratio to it, then HAProxy's gate (null when not measured).
     */
    public record Report(long released, long failed, long drainMs, double upstreamCapacityRps,
                         double ratioToUpstreamCapacity, double proxyPassthroughRps, double ratioToProxyPassthrough,
                         Long haproxyReleased, Long haproxyFailed, Long haproxyDrainMs) {
    }

    public static Report run(int count, List<String> proxyJvmOptions, Narrator n) throws Exception {
        return run(count, Math.min(count, WARM_DRAIN), proxyJvmOptions, false, n);
    }

    /** @param warm requests held and released once before anything is measured, for each gate (0: none) */
    public static Report run(int count, int warm, List<String> proxyJvmOptions, boolean haproxy, Narrator n)
            throws Exception {
        HeldLoad.checkCount(count);
        try (SampleUpstream upstream = SampleUpstream.start(1);
             BenchProxy proxy = BenchProxy.start(upstream.uri(), HeldLoad.proxyArgs(count), proxyJvmOptions);
             LoadGenerator generator = new LoadGenerator(2)) {
            n.always("pause-proxy pid %d; warming up", proxy.pid());
            WindowScenario.warmUp(generator, proxy, upstream, WindowScenario.WARM_UP_REQUESTS);
            warmDrain(generator, warm, () -> HeldLoad.pause(proxy, "pause-bench drain: warm-up"), proxy.admin()::resume,
                    c -> HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, c, n), n);

            double capacity = closedLoopRate(generator, upstream.uri(), upstream, count);
            n.always("upstream capacity (closed loop, %d connections, %d requests): %.0f requests/s", CONCURRENCY, count,
                    capacity);
            double passthrough = closedLoopRate(generator, proxy.clientUri(), upstream, count);
            n.always("pause-proxy pass-through (closed loop, %d connections, %d requests): %.0f requests/s", CONCURRENCY,
                    count, passthrough);

            String lease = HeldLoad.pause(proxy, "pause-bench drain");
            LoadRun run = HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, count, n);
            n.always("holding %d requests; resuming", count);

            long connectionsBefore = upstream.connectionsAccepted();
            long resumedAt = System.nanoTime();
            proxy.admin().resume(lease);
            LoadResult r = run.result().get(300, TimeUnit.SECONDS);
            long opened = upstream.connectionsAccepted() - connectionsBefore;
            long drainNanos = drainNanos(run, r, resumedAt);
            double drainRps = r.ok() * 1e9 / drainNanos;
            long failed = r.failed() + r.lost();
            n.always("drained %d in %d ms (%.0f requests/s)%s", r.ok(), TimeUnit.NANOSECONDS.toMillis(drainNanos), drainRps,
                    failed > 0 ? "; failed " + failed + " " + r.failures() : "");
            n.always("answered after the resume: %s; upstream connections opened: %d", progress(run, r, resumedAt),
                    opened);
            Long haReleased = null;
            Long haFailed = null;
            Long haDrainMs = null;
            if (haproxy) {
                LoadResult[] haResult = new LoadResult[1];
                String[] haProgress = new String[1];
                long haNanos = haproxyDrainNanos(generator, upstream, count, warm, n, haResult, haProgress);
                haReleased = haResult[0].ok();
                haFailed = haResult[0].failed() + haResult[0].lost();
                haDrainMs = TimeUnit.NANOSECONDS.toMillis(haNanos);
                n.always("haproxy (Lua gate) drained %d in %d ms (%.0f requests/s)%s", haReleased, haDrainMs,
                        haReleased * 1e9 / haNanos, haFailed > 0 ? "; failed " + haFailed + " " + haResult[0].failures() : "");
                n.always("haproxy: %s", haProgress[0]);
            }
            return new Report(r.ok(), failed, TimeUnit.NANOSECONDS.toMillis(drainNanos), Math.round(capacity * 10) / 10.0,
                    Math.round(drainRps / capacity * 1000) / 1000.0, Math.round(passthrough * 10) / 10.0,
                    Math.round(drainRps / passthrough * 1000) / 1000.0, haReleased, haFailed, haDrainMs);
        }
    }

    /** Requests held and released once before anything is measured, by default (at most the count measured). */
    static final int WARM_DRAIN = 2000;

    /**
     * One smaller pause and release before the measured runs, for the same reason as the
     * pass-through's unmeasured first round: the proxy's release path (and the new upstream
     * connections a drain opens) is code that pass-through traffic never runs, so without it the
     * measured drain is the one that compiles it, while the pass-through it is compared with runs
     * compiled (the JIT compiler took most of a core through a cold drain, session 7). Both gates
     * get the same warm-up.
     */
    static void warmDrain(LoadGenerator generator, int warm, HoldScenario.Pause pause, HoldScenario.Resume resume,
                          HoldScenario.Hold hold, Narrator n) throws Exception {
        if (warm <= 0) {
            n.always("no warm-up drain: the release path is measured cold");
            return;
        }
        long started = System.nanoTime();
        // Exactly `warm`: warmHold's own cap (HoldScenario.WARM_HOLD, 500) made this 500 whatever was asked.
        HoldScenario.holdAndRelease(warm, pause, resume, hold);
        n.always("warm-up: held and released %d in %d ms", warm,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** From the resume to the last answer of the held run, at least 1 ns. */
    private static long drainNanos(LoadRun run, LoadResult r, long resumedAt) {
        RequestLog log = r.log();
        long last = resumedAt;
        for (int seq = 0; seq < log.capacity(); seq++) {
            if (log.doneNanos(seq) >= 0) {
                last = Math.max(last, run.startNanos() + log.doneNanos(seq));
            }
        }
        return Math.max(1, last - resumedAt);
    }

    /**
     * When a share of the held requests had their answers, in ms from the resume (50, 90, 99 % and
     * all): a drain slowed by a few stragglers (a connect retransmitted, say) reads differently from
     * one slow throughout.
     */
    static String progress(LoadRun run, LoadResult r, long resumedAt) {
        RequestLog log = r.log();
        long[] done = new long[log.capacity()];
        int n = 0;
        for (int seq = 0; seq < log.capacity(); seq++) {
            if (log.doneNanos(seq) >= 0) {
                done[n++] = Math.max(0, run.startNanos() + log.doneNanos(seq) - resumedAt);
            }
        }
        if (n == 0) {
            return "none";
        }
        java.util.Arrays.sort(done, 0, n);
        StringBuilder b = new StringBuilder();
        for (int pct : new int[] {50, 90, 99}) {
            b.append(pct).append(" % in ").append(TimeUnit.NANOSECONDS.toMillis(done[Math.max(0, n * pct / 100 - 1)]))
                    .append(" ms, ");
        }
        return b.append("all in ").append(TimeUnit.NANOSECONDS.toMillis(done[n - 1])).append(" ms").toString();
    }

    /** HAProxy with the Lua gate in front of the same upstream: holds {@code count}, resumes, times the release. */
    private static long haproxyDrainNanos(LoadGenerator generator, SampleUpstream upstream, int count, int warm,
                                          Narrator n,
                                          LoadResult[] result, String[] progress) throws Exception {
        try (HaproxyGate haproxy = HaproxyGate.start(upstream.uri(), count + CONCURRENCY + 100)) {
            n.always("haproxy (Lua gate) pid %d; warming up", haproxy.pid());
            HoldScenario.warmUp(generator, haproxy.uri(), upstream);
            warmDrain(generator, warm, () -> {
                haproxy.pause();
                return "";
            }, lease -> haproxy.resume(), c -> HeldLoad.sendAndAwaitHeld(generator, haproxy.uri(), haproxy::held,
                    upstream, c, n, () -> "haproxy's output:\n" + haproxy.output()), n);
            haproxy.pause();
            LoadRun run = HeldLoad.sendAndAwaitHeld(generator, haproxy.uri(), haproxy::held, upstream, count, n,
                    () -> "haproxy's output:\n" + haproxy.output());
            n.always("haproxy holding %d requests; resuming", count);
            long connectionsBefore = upstream.connectionsAccepted();
            long resumedAt = System.nanoTime();
            haproxy.resume();
            LoadResult r = run.result().get(300, TimeUnit.SECONDS);
            result[0] = r;
            progress[0] = "answered after the resume: " + progress(run, r, resumedAt) + "; upstream connections opened: "
                    + (upstream.connectionsAccepted() - connectionsBefore);
            return drainNanos(run, r, resumedAt);
        }
    }

    /**
     * Requests per second, closed loop over {@link #CONCURRENCY} connections, {@code count} requests
     * (after one unmeasured round), timed from when the connections are all open to the last answer,
     * none closed before it: a drain is timed on connections already open, so opening 256 (and
     * closing them as their share ran out) inside this window made the reference do work the drain
     * it is compared with never does.
     */
    private static double closedLoopRate(LoadGenerator generator, URI target, SampleUpstream upstream, int count)
            throws Exception {
        double rps = 0;
        for (int i = 0; i < 2; i++) {
            LoadSpec spec = LoadSpec.closedLoop(target, CONCURRENCY, count, Duration.ofSeconds(60))
                    .connectFirst(true).build();
            upstream.openLedger(spec.runId(), count);
            LoadResult r = generator.start(spec).result().get(120, TimeUnit.SECONDS);
            if (r.ok() != count) {
                throw new IllegalStateException(target + " answered " + r.ok() + " of " + count + " in a closed-loop run: "
                        + r.failures());
            }
            rps = r.okPerSecond();
        }
        return rps;
    }
}
