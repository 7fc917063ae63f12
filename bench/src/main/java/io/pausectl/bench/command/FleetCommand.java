package io.pausectl.bench.command;

import io.pausectl.bench.scenario.FleetScenario;
import io.pausectl.bench.scenario.Narrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pause-bench fleet}: time from {@code pausectl --etcd --fleet run} to every node acked paused. */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        header = "Time from a fleet's run to all nodes acked, through etcd.",
        description = {"Starts one etcd member here (the installed etcd; or give --etcd URL), --proxies real pause-proxy"
                + " processes with --fleet and --simulated nodes in this JVM (each: session lease, watch, linearizable read,"
                + " report), then times --rounds windows of pausectl's own 'run' code: from run to the intent in etcd, and"
                + " to the last node's 'paused' report, as an observer watching etcd sees them."})
public final class FleetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--proxies", defaultValue = "3", description = "Real pause-proxy processes (default ${DEFAULT-VALUE}).")
    int proxies;

    @Option(names = "--simulated", defaultValue = "100", description = "Simulated nodes (default ${DEFAULT-VALUE}).")
    int simulated;

    @Option(names = "--rounds", defaultValue = "5", description = "Windows to time (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--etcd", paramLabel = "URL", split = ",",
            description = "An etcd to use instead of starting one (client URLs, http://HOST:PORT).")
    List<String> etcd = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {proxies, simulated, rounds, runToAllAckedP50Ms, runToAllAckedMaxMs, ...} here.")
    Path json;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        if (proxies < 0 || simulated < 0 || proxies + simulated < 1 || rounds < 1) {
            throw new IllegalArgumentException("--proxies and --simulated must add up to at least 1, --rounds at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        FleetScenario.Report r = FleetScenario.run(proxies, simulated, rounds, etcd, proxy.jvmOptions,
                new Narrator(out, false));
        out.printf("fleet of %d proxies + %d simulated nodes, %d rounds: run -> all acked p50 %.1f ms, max %.1f ms;"
                + " intent -> all acked p50 %.1f ms%n", r.proxies(), r.simulated(), r.rounds().size(),
                r.runToAllAckedP50Ms(), r.runToAllAckedMaxMs(), r.intentToAllAckedP50Ms());
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
