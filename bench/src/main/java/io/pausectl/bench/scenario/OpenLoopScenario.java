package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadSpec;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Latency at a fixed offered rate: requests at {@code rate} per second for {@code duration}, each
 * intended at its own time whatever happened to the ones before it, and its latency counted from
 * that intended time (so a stall of the target shows in every request that should have gone
 * during it, which a closed-loop tool such as wrk hides: coordinated omission). The target may be
 * anything HTTP/1.1 on loopback; it must echo {@code X-Req-Id} (the bench's upstream does; nginx
 * with {@code add_header X-Req-Id $http_x_req_id}), since an answer with another id is a failure.
 *
 * <p>The generator is a JVM too, and its own stalls count against the target like the target's:
 * a fresh generator spent half of its core in its JIT compilers 10-17 s after its start (and its
 * first collections took 20-50 ms), so nginx alone at 6,000 requests/s measured a p99 of
 * 96-227 ms. So one run measures several targets and rates in one generator, warms it on every
 * target at every rate in turn until its JIT compilers are quiet over a whole turn
 * ({@link #SETTLED_COMPILE_SHARE} of it, at most {@code settleMax}; settled on the first target
 * alone, it compiled 640-680 ms in each of pause-proxy's windows, whose answers differ in their
 * fields, and 7-21 ms in HAProxy's), warms each target again at each rate for {@code warmUp}, and collects
 * the warm-up's garbage before each measured window; each report says how much the generator's
 * JIT and collector ran during its window, so an instrument that interfered is seen.
 */
public final class OpenLoopScenario {
    /** The generator counts as settled once its JIT compiled for less than this share of a warm-up round. */
    static final double SETTLED_COMPILE_SHARE = 0.02;

    private OpenLoopScenario() {
    }

    /**
     * One open-loop measurement; latencies in milliseconds from the intended send time.
     *
     * @param generatorWarmUpMs   how long the generator warmed before this window (its own settling included)
     * @param generatorSettled    whether its JIT was quiet when the measured windows began
     * @param generatorCompileMs  the generator's JIT compile time during this window, ms (0 for an instrument
     *                            that did not interfere)
     * @param generatorGcMs       the generator's collection time during this window, ms
     */
    public record Report(String target, String path, double offeredRps, long durationMs, int connections, long sent,
                         long ok, long failed, long lost, double achievedRps, double p50Ms, double p90Ms, double p99Ms,
                         double p999Ms, double maxMs, long generatorWarmUpMs, boolean generatorSettled,
                         long generatorCompileMs, long generatorGcMs) {
    }

    /**
     * Measures every target at every rate (for each rate in turn, each target in turn).
     *
     * @param targets    http://host:port of each target, on loopback
     * @param rates      offered requests per second, each in (0, 1,000,000]
     * @param duration   each measured window, at least 1 s
     * @param warmUp     the unmeasured run at the same rate against the same target before each window (may be 0)
     * @param settleMax  the longest the generator warms to let its own JIT settle, before the first window
     * @return one report per (rate, target), in the order measured
     * @throws IllegalArgumentException for a rate, duration or connection count out of range
     */
    public static List<Report> run(List<URI> targets, String path, List<Double> rates, Duration duration,
                                   Duration warmUp, Duration settleMax, int connections, int threads, Narrator n)
            throws Exception {
        for (double rate : rates) {
            if (rate <= 0 || rate > 1_000_000) {
                throw new IllegalArgumentException("--rate must be in (0, 1000000]");
            }
        }
        if (targets.isEmpty() || rates.isEmpty()) {
            throw new IllegalArgumentException("give at least one --url and one --rate");
        }
        if (duration.toMillis() < 1000) {
            throw new IllegalArgumentException("--duration must be at least 1s");
        }
        if (connections <= 0 || connections > 10_000) {
            throw new IllegalArgumentException("--connections must be 1..10000");
        }
        List<Report> reports = new ArrayList<>();
        try (LoadGenerator generator = new LoadGenerator(threads)) {
            long warmStart = System.nanoTime();
            boolean settled = settle(generator, targets, path, rates, settleMax, connections, n);
            long settleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - warmStart);
            for (double rate : rates) {
                for (URI target : targets) {
                    long warmedMs = settleMs;
                    settleMs = 0;
                    if (!warmUp.isZero()) {
                        n.always("warming up: %s%s at %.0f requests/s for %s", target, path, rate,
                                WindowScenario.human(warmUp));
                        measure(generator, target, path, rate, warmUp, connections);
                        warmedMs += warmUp.toMillis();
                    }
                    // The warm-up's survivors are collected now, not in the measured window.
                    System.gc();
                    long compileBefore = compileMillis();
                    long gcBefore = gcMillis();
                    LoadResult r = measure(generator, target, path, rate, duration, connections);
                    long compileMs = compileMillis() - compileBefore;
                    long gcMs = gcMillis() - gcBefore;
                    double achieved = r.elapsedNanos() <= 0 ? 0
                            : r.ok() * 1e9 / Math.max(r.elapsedNanos(), duration.toNanos());
                    reports.add(new Report(target.toString(), path, rate, duration.toMillis(), connections, r.sent(),
                            r.ok(), r.failed(), r.lost(), round(achieved), round(r.p50Ms()), round(r.percentileMs(90)),
                            round(r.p99Ms()), round(r.percentileMs(99.9)), round(r.maxMs()), warmedMs, settled,
                            compileMs, gcMs));
                }
            }
        }
        return reports;
    }

    /**
     * Runs every target at every rate in rounds of 2 s, turn after turn, until the generator's JIT
     * compiled for less than {@link #SETTLED_COMPILE_SHARE} of a whole turn, or {@code settleMax}
     * passed. Every pair is warmed because each runs code of its own: another target's answers take
     * other branches of the client's decoder (other fields, another case), and a higher rate opens
     * more connections.
     *
     * @return whether the JIT settled
     */
    private static boolean settle(LoadGenerator generator, List<URI> targets, String path, List<Double> rates,
                                  Duration settleMax, int connections, Narrator n) throws Exception {
        if (settleMax.isZero()) {
            return false;
        }
        Duration round = Duration.ofSeconds(2);
        long deadline = System.nanoTime() + settleMax.toNanos();
        n.always("letting the generator's JIT settle: every target at every rate in turn, %s each (at most %s)",
                WindowScenario.human(round), WindowScenario.human(settleMax));
        while (true) {
            long before = compileMillis();
            long turnMs = 0;
            for (double rate : rates) {
                for (URI target : targets) {
                    if (System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    measure(generator, target, path, rate, round, connections);
                    turnMs += round.toMillis();
                }
            }
            if (compileMillis() - before < SETTLED_COMPILE_SHARE * turnMs) {
                return true;
            }
        }
    }

    /** The JIT's total compile time so far, ms, or 0 where the JVM does not say. */
    private static long compileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Every collector's total time so far, ms. */
    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    private static LoadResult measure(LoadGenerator generator, URI target, String path, double rate, Duration duration,
                                      int connections) throws Exception {
        int count = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(rate * duration.toNanos() / 1e9)));
        LoadSpec spec = LoadSpec.openLoop(target, rate, count).path(path).maxConnections(connections)
                .answerGrace(Duration.ofSeconds(10)).keepLog(false).build();
        return generator.start(spec).result().get(duration.toSeconds() + 60, TimeUnit.SECONDS);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
