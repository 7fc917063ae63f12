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
import java.util.concurrent.Callable;

/** {@code pause-bench openloop}: latency at a fixed rate, from each request's intended send time. */
@Command(name = "openloop", mixinStandardHelpOptions = true,
        header = "Latency of one target at a fixed request rate (open loop).",
        description = {"Sends --rate requests per second to --url for --duration, each at its intended time whatever",
                "happened to the ones before it, and measures each latency from that time (wrk2's way: a stall",
                "counts against every request that should have gone during it). The target must echo X-Req-Id."})
public final class OpenLoopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "http://host:port on loopback.")
    URI url;

    @Option(names = "--path", defaultValue = "/", description = "Request path (default ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--rate", required = true, description = "Requests per second.")
    double rate;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to send (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "An unmeasured run at the same rate first (default ${DEFAULT-VALUE}).")
    Duration warmUp;

    @Option(names = "--connections", defaultValue = "256",
            description = "Most keep-alive connections open at once (default ${DEFAULT-VALUE}); a request finding none free waits, and that counts.")
    int connections;

    @Option(names = "--threads", defaultValue = "1", description = "Generator event loops (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures here.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        OpenLoopScenario.Report r = OpenLoopScenario.run(url, path, rate, duration, warmUp, connections, threads,
                new Narrator(out, false));
        out.printf("%s%s at %.0f requests/s for %d ms: sent %d, ok %d, failed %d, lost %d; achieved %.0f requests/s%n",
                r.target(), r.path(), r.offeredRps(), r.durationMs(), r.sent(), r.ok(), r.failed(), r.lost(), r.achievedRps());
        out.printf("latency from the intended send time: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
                r.p50Ms(), r.p90Ms(), r.p99Ms(), r.p999Ms(), r.maxMs());
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
