package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.upstream.SampleUpstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Throughput and latency of several targets side by side, in one run, by the same generator:
 * closed loop over {@code connections} keep-alive connections for {@code duration} each, after a
 * short warm-up. By default the targets are the bench's upstream directly, pause-proxy in front of
 * it, and HAProxy and nginx in front of it when installed; ratios are to the first target.
 */
public final class PassthroughScenario {
    private static final Duration WARM_UP = Duration.ofSeconds(2);

    private PassthroughScenario() {
    }

    /** One named target. */
    public record Target(String name, URI uri) {
        /** Parses {@code NAME=http://host:port}. */
        public static Target parse(String text) {
            int eq = text.indexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw new IllegalArgumentException("--target must be NAME=URL, e.g. proxy=http://127.0.0.1:8080; got '" + text + "'");
            }
            URI uri;
            try {
                uri = URI.create(text.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--target " + text + ": not a URL: " + e.getMessage());
            }
            if (!"http".equals(uri.getScheme()) || uri.getPort() <= 0) {
                throw new IllegalArgumentException("--target " + text + ": the URL must be http://host:port");
            }
            return new Target(text.substring(0, eq), uri);
        }
    }

    /** One target's figures. */
    public record TargetReport(String name, String url, long requests, long failed, double rps, double p50Ms,
                               double p99Ms, double maxMs, double rpsRatio, double p99Ratio) {
    }

    /** The pass-through JSON: each target, and what the ratios are to. */
    public record Report(String baseline, int connections, long durationMs, List<TargetReport> targets) {
    }

    public static Report run(List<Target> given, Duration duration, int connections, List<String> proxyJvmOptions,
                             Narrator n) throws Exception {
        if (duration.toMillis() < 1000) {
            throw new IllegalArgumentException("--duration must be at least 1s");
        }
        if (connections <= 0 || connections > 10_000) {
            throw new IllegalArgumentException("--connections must be 1..10000");
        }
        try (SampleUpstream upstream = given.isEmpty() ? SampleUpstream.start(1) : null;
             LoadGenerator generator = new LoadGenerator(2)) {
            List<AutoCloseable> started = new ArrayList<>();
            try {
                List<Target> targets = new ArrayList<>(given);
                if (given.isEmpty()) {
                    targets.add(new Target("direct", upstream.uri()));
                    BenchProxy proxy = BenchProxy.start(upstream.uri(), List.of(), proxyJvmOptions);
                    started.add(proxy);
                    targets.add(new Target("pause-proxy", proxy.clientUri()));
                    for (Optional<ExternalProxy> ext : List.of(ExternalProxy.haproxy(upstream.uri()),
                            ExternalProxy.nginx(upstream.uri()))) {
                        if (ext.isPresent()) {
                            started.add(ext.get());
                            targets.add(new Target(ext.get().name(), ext.get().uri()));
                        }
                    }
                }
                Map<Target, LoadResult> results = new LinkedHashMap<>();
                for (Target t : targets) {
                    n.always("%s (%s): warming up %s, then %s at %d connections", t.name(), t.uri(),
                            WindowScenario.human(WARM_UP), WindowScenario.human(duration), connections);
                    measure(generator, t, WARM_UP, connections);
                    LoadResult r = measure(generator, t, duration, connections);
                    n.always("%s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, failed %d", t.name(), r.okPerSecond(),
                            r.p50Ms(), r.p99Ms(), r.failed() + r.lost());
                    results.put(t, r);
                }
                LoadResult base = results.values().iterator().next();
                List<TargetReport> reports = new ArrayList<>();
                results.forEach((t, r) -> reports.add(new TargetReport(t.name(), t.uri().toString(), r.sent(),
                        r.failed() + r.lost(), round(r.okPerSecond()), round(r.p50Ms()), round(r.p99Ms()), round(r.maxMs()),
                        round(ratio(r.okPerSecond(), base.okPerSecond())), round(ratio(r.p99Ms(), base.p99Ms())))));
                return new Report(targets.get(0).name(), connections, duration.toMillis(), reports);
            } finally {
                for (AutoCloseable c : started) {
                    c.close();
                }
            }
        }
    }

    private static LoadResult measure(LoadGenerator generator, Target t, Duration duration,
                                      int connections) throws Exception {
        LoadSpec spec = LoadSpec.closedLoop(t.uri(), connections, Integer.MAX_VALUE, duration)
                .keepLog(false).answerGrace(Duration.ofSeconds(10)).build();
        return generator.start(spec).result().get(duration.toSeconds() + 60, TimeUnit.SECONDS);
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
