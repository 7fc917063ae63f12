package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadSpec;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Latency at a fixed offered rate: requests at {@code rate} per second for {@code duration}, each
 * intended at its own time whatever happened to the ones before it, and its latency counted from
 * that intended time (so a stall of the target shows in every request that should have gone
 * during it, which a closed-loop tool such as wrk hides: coordinated omission). The target may be
 * anything HTTP/1.1 on loopback; it must echo {@code X-Req-Id} (the bench's upstream does; nginx
 * with {@code add_header X-Req-Id $http_x_req_id}), since an answer with another id is a failure.
 */
public final class OpenLoopScenario {
    private OpenLoopScenario() {
    }

    /** One open-loop measurement; latencies in milliseconds from the intended send time. */
    public record Report(String target, String path, double offeredRps, long durationMs, int connections, long sent,
                         long ok, long failed, long lost, double achievedRps, double p50Ms, double p90Ms, double p99Ms,
                         double p999Ms, double maxMs) {
    }

    public static Report run(URI target, String path, double rate, Duration duration, Duration warmUp, int connections,
                             int threads, Narrator n) throws Exception {
        if (rate <= 0 || rate > 1_000_000) {
            throw new IllegalArgumentException("--rate must be in (0, 1000000]");
        }
        if (duration.toMillis() < 1000) {
            throw new IllegalArgumentException("--duration must be at least 1s");
        }
        if (connections <= 0 || connections > 10_000) {
            throw new IllegalArgumentException("--connections must be 1..10000");
        }
        try (LoadGenerator generator = new LoadGenerator(threads)) {
            if (!warmUp.isZero()) {
                n.always("warming up: %.0f requests/s for %s", rate, WindowScenario.human(warmUp));
                measure(generator, target, path, rate, warmUp, connections);
            }
            LoadResult r = measure(generator, target, path, rate, duration, connections);
            double achieved = r.elapsedNanos() <= 0 ? 0 : r.ok() * 1e9 / Math.max(r.elapsedNanos(), duration.toNanos());
            return new Report(target.toString(), path, rate, duration.toMillis(), connections, r.sent(), r.ok(), r.failed(),
                    r.lost(), round(achieved), round(r.p50Ms()), round(r.percentileMs(90)), round(r.p99Ms()),
                    round(r.percentileMs(99.9)), round(r.maxMs()));
        }
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
