package io.pausectl.bench.command;

import io.pausectl.bench.scenario.Narrator;
import io.pausectl.bench.scenario.OpenLoopScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pause-bench openloop}: latency at a fixed rate, from each request's intended send time. */
@Command(name = "openloop", mixinStandardHelpOptions = true,
        header = "Latency of targets at fixed request rates (open loop).",
        description = {"Sends --rate requests per second to --url for --duration, each at its intended time whatever"
                + " happened to the ones before it, and measures each latency from that time (wrk2's way: a stall"
                + " counts against every request that should have gone during it). The target must echo X-Req-Id."
                + " With several --url and --rate, measures each rate in turn against each target in turn, in one"
                + " generator: it first warms on every target at every rate in turn until its own JIT compilers"
                + " are quiet over a whole turn (at most --settle-max), then warms each target at each rate for --warmup and collects its garbage before"
                + " the measured window; each result says the generator's own JIT and GC time in its window."})
public final class OpenLoopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "http://host:port on loopback; repeat it for several targets.")
    List<URI> urls;

    @Option(names = "--path", defaultValue = "/", description = "Request path (default ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--rate", required = true, description = "Requests per second; repeat it for several rates.")
    List<Double> rates;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to send (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.OrZero.class,
            description = "An unmeasured run at the same rate against the same target before each measurement "
                    + "(default ${DEFAULT-VALUE}).")
    Duration warmUp;

    @Option(names = "--settle-max", defaultValue = "90s", converter = DurationConverter.OrZero.class,
            description = "The longest the generator warms first, every target at every rate in turn, until its own "
                    + "JIT compilers are quiet; 0 skips it "
                    + "(default ${DEFAULT-VALUE}).")
    Duration settleMax;

    @Option(names = "--connections", defaultValue = "256",
            description = "Most keep-alive connections open at once (default ${DEFAULT-VALUE}); a request finding none free waits, and that counts.")
    int connections;

    @Option(names = "--threads", defaultValue = "1", description = "Generator event loops (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures here (an array, one per measurement).")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<OpenLoopScenario.Report> reports = OpenLoopScenario.run(urls, path, rates, duration, warmUp, settleMax,
                connections, threads, new Narrator(out, false));
        for (OpenLoopScenario.Report r : reports) {
            out.printf("%s%s at %.0f requests/s for %d ms: sent %d, ok %d, failed %d, lost %d; achieved %.0f requests/s%n",
                    r.target(), r.path(), r.offeredRps(), r.durationMs(), r.sent(), r.ok(), r.failed(), r.lost(),
                    r.achievedRps());
            out.printf("  latency from the intended send time: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms,"
                    + " max %.3f ms%n", r.p50Ms(), r.p90Ms(), r.p99Ms(), r.p999Ms(), r.maxMs());
            out.printf("  generator: warmed %d ms (JIT %s), in the window its JIT compiled %d ms and its GC ran %d ms%n",
                    r.generatorWarmUpMs(), r.generatorSettled() ? "settled" : "not settled", r.generatorCompileMs(),
                    r.generatorGcMs());
        }
        if (json != null) {
            Output.json(json, reports);
        }
        return 0;
    }
}
