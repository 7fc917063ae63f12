package io.pausectl.bench.command;

import io.pausectl.bench.scenario.DrainScenario;
import io.pausectl.bench.scenario.Narrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pause-bench drain}: how fast the held queue empties against the upstream's own capacity. */
@Command(name = "drain", mixinStandardHelpOptions = true,
        header = "Release speed against the upstream's own capacity.",
        description = {"Holds --count requests in a paused pause-proxy, resumes, and times until all are answered,",
                "against the upstream's own capacity measured in the same run (same generator, closed loop, straight",
                "to the upstream). Target: >= 0.9x the upstream's capacity."})
public final class DrainCommand implements Callable<Integer> {
    static final double TARGET_RATIO = 0.9;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "10000", description = "Requests to hold, then drain (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {released, failed, drainMs, upstreamCapacityRps, ratioToUpstreamCapacity} here.")
    Path json;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DrainScenario.Report r = DrainScenario.run(count, proxy.jvmOptions, new Narrator(out, false));
        out.printf("released %d, failed %d, drained in %d ms; upstream capacity %.0f requests/s; ratio %.3f%n",
                r.released(), r.failed(), r.drainMs(), r.upstreamCapacityRps(), r.ratioToUpstreamCapacity());
        out.printf("target: drain >= %.1fx the upstream's capacity: %s%n", TARGET_RATIO,
                r.ratioToUpstreamCapacity() >= TARGET_RATIO && r.failed() == 0 ? "met" : "NOT met");
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
