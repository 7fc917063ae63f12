package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.load.RequestLog;
import io.pausectl.bench.upstream.SampleUpstream;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How fast a paused proxy empties its queue: {@code count} requests held, then resumed; the time
 * from the resume to the last answer, against the upstream's own capacity and against the
 * proxy's own pass-through rate for the same requests, both measured in the same run by the same
 * generator (closed loop, as many keep-alive connections as the proxy's drain concurrency,
 * {@code count} requests, timed from when those connections are all open, as a drain is timed on
 * connections already open: straight to the upstream once, then through the proxy unpaused).
 * The pass-through and the drain are measured {@code trials} times, alternated (pass-through,
 * drain, pass-through, drain, ...) so that a slow spell of a shared machine falls on both, and
 * compared trial by trial: the median of each drain's rate over the pass-through's just before it.
 * Optionally also HAProxy with the Lua gate releasing as many held requests, timed the same way, in
 * each trial after the proxy's drain.
 */
public final class DrainScenario {
    /** The proxy's default drain concurrency, and the closed-loop concurrency of the capacity run. */
    private static final int CONCURRENCY = 256;

    private DrainScenario() {
    }

    /**
     * The drain's JSON: the design's fields, then the proxy's own pass-through rate and the drain's
     * ratio to it, then HAProxy's gate (null when not measured); then every trial's figures. With
     * several trials, {@code drainMs}, {@code proxyPassthroughRps} and {@code haproxyDrainMs} are
     * the medians of the trials, {@code ratioToProxyPassthrough} is the median of each trial's drain
     * rate over the pass-through rate measured just before it, {@code ratioToUpstreamCapacity} the
     * median drain rate over the capacity, {@code released} is the fewest any
     * trial released and {@code failed} counts the failed and lost of all trials.
     */
    public record Report(long released, long failed, long drainMs, double upstreamCapacityRps,
                         double ratioToUpstreamCapacity, double proxyPassthroughRps, double ratioToProxyPassthrough,
                         Long haproxyReleased, Long haproxyFailed, Long haproxyDrainMs,
                         int trials, List<Double> proxyPassthroughRpsTrials, List<Long> drainMsTrials,
                         List<Double> drainRpsTrials, List<Long> haproxyDrainMsTrials) {
    }

    /** One timed release of held requests. */
    private record Drain(long released, long failed, long nanos) {
        double rps() {
            return released * 1e9 / nanos;
        }

        long ms() {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }
    }

    /**
     * @param warm   requests held and released once before anything is measured, for each gate (0: none)
     * @param trials times the pass-through and the drain (and HAProxy's drain) are each measured, alternated
     */
    public static Report run(int count, int warm, int trials, List<String> proxyJvmOptions, boolean haproxy, Narrator n)
            throws Exception {
        HeldLoad.checkCount(count);
        if (trials < 1) {
            throw new IllegalArgumentException("--trials must be 1 or more: " + trials);
        }
        try (SampleUpstream upstream = SampleUpstream.start(1);
             BenchProxy proxy = BenchProxy.start(upstream.uri(), HeldLoad.proxyArgs(count), proxyJvmOptions);
             LoadGenerator generator = new LoadGenerator(2);
             HaproxyGate gate = haproxy ? HaproxyGate.start(upstream.uri(), count + CONCURRENCY + 100) : null) {
            n.always("pause-proxy pid %d; warming up", proxy.pid());
            WindowScenario.warmUp(generator, proxy, upstream, WindowScenario.WARM_UP_REQUESTS);
            warmDrain(generator, warm, () -> HeldLoad.pause(proxy, "pause-bench drain: warm-up"), proxy.admin()::resume,
                    c -> HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, c, n), n);
            if (gate != null) {
                n.always("haproxy (Lua gate) pid %d; warming up", gate.pid());
                HoldScenario.warmUp(generator, gate.uri(), upstream);
                warmDrain(generator, warm, () -> {
                    gate.pause();
                    return "";
                }, lease -> gate.resume(), c -> haproxyHold(generator, gate, upstream, c, n), n);
            }

            double capacity = closedLoopRate(generator, upstream.uri(), upstream, count);
            n.always("upstream capacity (closed loop, %d connections open, %d requests): %.0f requests/s", CONCURRENCY,
                    count, capacity);
            double[] passthrough = new double[trials];
            Drain[] drains = new Drain[trials];
            Drain[] haDrains = gate != null ? new Drain[trials] : null;
            for (int t = 0; t < trials; t++) {
                String trial = trials > 1 ? "trial " + (t + 1) + " of " + trials + ": " : "";
                passthrough[t] = closedLoopRate(generator, proxy.clientUri(), upstream, count);
                n.always("%spause-proxy pass-through (closed loop, %d connections open, %d requests): %.0f requests/s",
                        trial, CONCURRENCY, count, passthrough[t]);
                drains[t] = proxyDrain(generator, proxy, upstream, count, trial, n);
                if (gate != null) {
                    haDrains[t] = haproxyDrain(generator, gate, upstream, count, trial, n);
                }
            }

            double passthroughRps = median(passthrough);
            double drainRps = median(Arrays.stream(drains).mapToDouble(Drain::rps).toArray());
            long drainMs = Math.round(median(Arrays.stream(drains).mapToDouble(Drain::ms).toArray()));
            // Each drain against the pass-through measured just before it (the pair closest in time, so
            // in the same state of a shared machine), then the median of those ratios: a ratio of the
            // two medians could pair a fast reference with a slow drain from another spell.
            double[] paired = new double[trials];
            for (int t = 0; t < trials; t++) {
                paired[t] = drains[t].rps() / passthrough[t];
            }
            double ratio = median(paired);
            if (trials > 1) {
                n.always("medians of %d trials: pause-proxy pass-through %.0f requests/s, drain %d ms (%.0f requests/s);"
                        + " drain vs the pass-through just before it: %s, median %.3f (ratio of the medians %.3f)", trials,
                        passthroughRps, drainMs, drainRps, Arrays.toString(Arrays.stream(paired).map(r -> round(r, 1000))
                                .toArray()), ratio, drainRps / passthroughRps);
            }
            Long haReleased = null;
            Long haFailed = null;
            Long haDrainMs = null;
            List<Long> haDrainMsTrials = null;
            if (haDrains != null) {
                haReleased = Arrays.stream(haDrains).mapToLong(Drain::released).min().orElseThrow();
                haFailed = Arrays.stream(haDrains).mapToLong(Drain::failed).sum();
                haDrainMs = Math.round(median(Arrays.stream(haDrains).mapToDouble(Drain::ms).toArray()));
                haDrainMsTrials = Arrays.stream(haDrains).map(Drain::ms).toList();
                if (trials > 1) {
                    n.always("median of %d trials: haproxy (Lua gate) drain %d ms", trials, haDrainMs);
                }
            }
            return new Report(Arrays.stream(drains).mapToLong(Drain::released).min().orElseThrow(),
                    Arrays.stream(drains).mapToLong(Drain::failed).sum(), drainMs, round(capacity, 10),
                    round(drainRps / capacity, 1000), round(passthroughRps, 10), round(ratio, 1000),
                    haReleased, haFailed, haDrainMs, trials,
                    Arrays.stream(passthrough).mapToObj(r -> round(r, 10)).toList(),
                    Arrays.stream(drains).map(Drain::ms).toList(),
                    Arrays.stream(drains).map(d -> round(d.rps(), 10)).toList(), haDrainMsTrials);
        }
    }

    /** Holds {@code count} requests in the paused pause-proxy, resumes, and times until all are answered. */
    private static Drain proxyDrain(LoadGenerator generator, BenchProxy proxy, SampleUpstream upstream, int count,
                                    String trial, Narrator n) throws Exception {
        String lease = HeldLoad.pause(proxy, "pause-bench drain");
        LoadRun run = HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, count, n);
        n.always("%sholding %d requests; resuming", trial, count);
        long connectionsBefore = upstream.connectionsAccepted();
        long resumedAt = System.nanoTime();
        proxy.admin().resume(lease);
        LoadResult r = run.result().get(300, TimeUnit.SECONDS);
        long opened = upstream.connectionsAccepted() - connectionsBefore;
        Drain d = new Drain(r.ok(), r.failed() + r.lost(), drainNanos(run, r, resumedAt));
        n.always("%sdrained %d in %d ms (%.0f requests/s)%s", trial, d.released(), d.ms(), d.rps(),
                d.failed() > 0 ? "; failed " + d.failed() + " " + r.failures() : "");
        n.always("%sanswered after the resume: %s; upstream connections opened: %d", trial, progress(run, r, resumedAt),
                opened);
        return d;
    }

    /** Holds {@code count} requests in HAProxy's paused gate, resumes, and times until all are answered. */
    private static Drain haproxyDrain(LoadGenerator generator, HaproxyGate gate, SampleUpstream upstream, int count,
                                      String trial, Narrator n) throws Exception {
        gate.pause();
        LoadRun run = haproxyHold(generator, gate, upstream, count, n);
        n.always("%shaproxy holding %d requests; resuming", trial, count);
        long connectionsBefore = upstream.connectionsAccepted();
        long resumedAt = System.nanoTime();
        gate.resume();
        LoadResult r = run.result().get(300, TimeUnit.SECONDS);
        long opened = upstream.connectionsAccepted() - connectionsBefore;
        Drain d = new Drain(r.ok(), r.failed() + r.lost(), drainNanos(run, r, resumedAt));
        n.always("%shaproxy (Lua gate) drained %d in %d ms (%.0f requests/s)%s", trial, d.released(), d.ms(), d.rps(),
                d.failed() > 0 ? "; failed " + d.failed() + " " + r.failures() : "");
        n.always("%shaproxy: answered after the resume: %s; upstream connections opened: %d", trial,
                progress(run, r, resumedAt), opened);
        return d;
    }

    private static LoadRun haproxyHold(LoadGenerator generator, HaproxyGate gate, SampleUpstream upstream, int count,
                                       Narrator n) throws Exception {
        return HeldLoad.sendAndAwaitHeld(generator, gate.uri(), gate::held, upstream, count, n,
                () -> "haproxy's output:\n" + gate.output());
    }

    /** The median; of an even number of values, the mean of the middle two. */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    private static double round(double value, int scale) {
        return Math.round(value * scale) / (double) scale;
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
