package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.load.RequestLog;
import io.pausectl.bench.upstream.SampleUpstream;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How fast a paused proxy empties its queue: {@code count} requests held, then resumed; the time
 * from the resume to the last answer, against the upstream's own capacity measured in the same
 * run by the same generator (closed loop, straight to the upstream, as many connections as the
 * proxy's drain concurrency).
 */
public final class DrainScenario {
    /** The proxy's default drain concurrency, and the closed-loop concurrency of the capacity run. */
    private static final int CONCURRENCY = 256;

    private DrainScenario() {
    }

    /** The drain's JSON, fields as the design lists them. */
    public record Report(long released, long failed, long drainMs, double upstreamCapacityRps,
                         double ratioToUpstreamCapacity) {
    }

    public static Report run(int count, List<String> proxyJvmOptions, Narrator n) throws Exception {
        HeldLoad.checkCount(count);
        try (SampleUpstream upstream = SampleUpstream.start(1);
             BenchProxy proxy = BenchProxy.start(upstream.uri(), HeldLoad.proxyArgs(count), proxyJvmOptions);
             LoadGenerator generator = new LoadGenerator(2)) {
            n.always("pause-proxy pid %d; warming up", proxy.pid());
            WindowScenario.warmUp(generator, proxy, upstream, WindowScenario.WARM_UP_REQUESTS);

            double capacity = upstreamCapacity(generator, upstream, count);
            n.always("upstream capacity (closed loop, %d connections, %d requests): %.0f requests/s", CONCURRENCY, count,
                    capacity);

            String lease = HeldLoad.pause(proxy, "pause-bench drain");
            LoadRun run = HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, count, n);
            n.always("holding %d requests; resuming", count);

            long resumedAt = System.nanoTime();
            proxy.admin().resume(lease);
            LoadResult r = run.result().get(300, TimeUnit.SECONDS);
            RequestLog log = r.log();
            long last = resumedAt;
            for (int seq = 0; seq < log.capacity(); seq++) {
                if (log.doneNanos(seq) >= 0) {
                    last = Math.max(last, run.startNanos() + log.doneNanos(seq));
                }
            }
            long drainNanos = Math.max(1, last - resumedAt);
            double drainRps = r.ok() * 1e9 / drainNanos;
            long failed = r.failed() + r.lost();
            n.always("drained %d in %d ms (%.0f requests/s)%s", r.ok(), TimeUnit.NANOSECONDS.toMillis(drainNanos), drainRps,
                    failed > 0 ? "; failed " + failed + " " + r.failures() : "");
            return new Report(r.ok(), failed, TimeUnit.NANOSECONDS.toMillis(drainNanos), Math.round(capacity * 10) / 10.0,
                    Math.round(drainRps / capacity * 1000) / 1000.0);
        }
    }

    private static double upstreamCapacity(LoadGenerator generator, SampleUpstream upstream, int count) throws Exception {
        // once to warm the upstream and generator, once to measure
        double rps = 0;
        for (int i = 0; i < 2; i++) {
            LoadSpec spec = LoadSpec.closedLoop(upstream.uri(), CONCURRENCY, count, Duration.ofSeconds(60)).build();
            upstream.openLedger(spec.runId(), count);
            LoadResult r = generator.start(spec).result().get(120, TimeUnit.SECONDS);
            if (r.ok() != count) {
                throw new IllegalStateException("the upstream answered " + r.ok() + " of " + count + " in the capacity run: "
                        + r.failures());
            }
            rps = r.okPerSecond();
        }
        return rps;
    }
}
