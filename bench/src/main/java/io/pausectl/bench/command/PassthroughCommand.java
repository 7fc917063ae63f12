package io.pausectl.bench.command;

import io.pausectl.bench.scenario.Narrator;
import io.pausectl.bench.scenario.PassthroughScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pause-bench passthrough}: targets side by side. */
@Command(name = "passthrough", mixinStandardHelpOptions = true,
        header = "Throughput and latency of targets side by side.",
        description = {"Throughput and latency of targets side by side, one run, same generator (closed loop, keep-alive).",
                "Without --target: the bench's upstream directly, pause-proxy in front of it, and HAProxy and nginx in"
                + " front of it when installed. Ratios are to the first target."})
public final class PassthroughCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--target", paramLabel = "NAME=URL",
            description = "A target to measure (repeatable), e.g. proxy=http://127.0.0.1:8080. Loopback only.")
    List<String> targets = new ArrayList<>();

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to measure each target (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--connections", defaultValue = "64", description = "Keep-alive connections (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures here.")
    Path json;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<PassthroughScenario.Target> parsed = new ArrayList<>();
        for (String t : targets) {
            parsed.add(PassthroughScenario.Target.parse(t));
        }
        PassthroughScenario.Report r = PassthroughScenario.run(parsed, duration, connections, proxy.jvmOptions,
                new Narrator(out, false));
        out.printf("%-12s %12s %10s %10s %10s %8s %10s %10s%n", "target", "requests/s", "p50 ms", "p99 ms", "max ms",
                "failed", "rps ratio", "p99 ratio");
        for (PassthroughScenario.TargetReport t : r.targets()) {
            out.printf("%-12s %12.0f %10.2f %10.2f %10.2f %8d %10.3f %10.3f%n", t.name(), t.rps(), t.p50Ms(), t.p99Ms(),
                    t.maxMs(), t.failed(), t.rpsRatio(), t.p99Ratio());
        }
        out.printf("ratios are to %s; %d connections, %d ms each%n", r.baseline(), r.connections(), r.durationMs());
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
