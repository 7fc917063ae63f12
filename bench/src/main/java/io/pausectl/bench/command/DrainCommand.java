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
        description = {"Holds --count requests in a paused pause-proxy, resumes, and times until all are answered,"
                + " against the upstream's own capacity and the proxy's own pass-through rate for the same requests, both"
                + " measured in the same run (same generator, closed loop, 256 connections, timed from when they are all"
                + " open, as the drain is). The pass-through and the drain are measured --trials times, alternated, and"
                + " compared by their medians. With --haproxy, HAProxy 2.6 with deploy/haproxy/pause-gate.lua holds and"
                + " releases as many in each trial, timed the same way. Target: >= 0.9x the proxy's pass-through rate,"
                + " and (with --haproxy) in less time than HAProxy's gate."})
public final class DrainCommand implements Callable<Integer> {
    /** The drain's target rate as a share of the proxy's own pass-through rate. */
    static final double TARGET_RATIO = 0.9;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "10000", description = "Requests to hold, then drain (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {released, failed, drainMs, upstreamCapacityRps, ratioToUpstreamCapacity, proxyPassthroughRps,"
                    + " ratioToProxyPassthrough, haproxyReleased, haproxyFailed, haproxyDrainMs} here (medians of the"
                    + " trials; the ratios are of the medians), then trials, proxyPassthroughRpsTrials, drainMsTrials,"
                    + " drainRpsTrials and haproxyDrainMsTrials (each trial's figure, in order).")
    Path json;

    @Option(names = "--trials", paramLabel = "N", defaultValue = "3",
            description = "Times the pass-through and the drain (and HAProxy's drain) are each measured, alternated"
                    + " (default ${DEFAULT-VALUE}): one sub-second figure on a shared machine decides nothing.")
    int trials;

    @Option(names = "--warm-drain", paramLabel = "N", defaultValue = "2000",
            description = "Requests held and released once before anything is measured, for both gates (default"
                    + " ${DEFAULT-VALUE}, at most --count): the release path is code pass-through never runs, and a"
                    + " drain that compiles it is slower. --warm-drain equal to --count warms it as the pass-through"
                    + " it is compared with is warmed (an unmeasured round of --count); 0 measures a cold drain.")
    int warmDrain;

    @Option(names = "--haproxy", description = "Also hold and release as many requests in HAProxy with the Lua gate, in the same run.")
    boolean haproxy;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (warmDrain < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--warm-drain must be 0 or more");
        }
        if (trials < 1) {
            throw new IllegalArgumentException("--trials must be 1 or more, not " + trials);
        }
        DrainScenario.Report r = DrainScenario.run(count, Math.min(warmDrain, count), trials, proxy.jvmOptions, haproxy,
                new Narrator(out, false));
        String of = trials > 1 ? " (median of " + trials + ")" : "";
        out.printf("released %d, failed %d, drained in %d ms%s; upstream capacity %.0f requests/s (ratio %.3f);"
                        + " pause-proxy pass-through %.0f requests/s%s (ratio %.3f)%n",
                r.released(), r.failed(), r.drainMs(), of, r.upstreamCapacityRps(), r.ratioToUpstreamCapacity(),
                r.proxyPassthroughRps(), of, r.ratioToProxyPassthrough());
        out.printf("target: drain >= %.1fx the proxy's own pass-through rate: %s%n", TARGET_RATIO,
                r.ratioToProxyPassthrough() >= TARGET_RATIO && r.failed() == 0 ? "met" : "NOT met");
        if (r.haproxyDrainMs() != null) {
            out.printf("haproxy (Lua gate): released %d, failed %d, drained in %d ms%s%n", r.haproxyReleased(),
                    r.haproxyFailed(), r.haproxyDrainMs(), of);
            out.printf("target: drain in less time than HAProxy's gate (%d ms vs %d ms): %s%n", r.drainMs(),
                    r.haproxyDrainMs(), r.drainMs() < r.haproxyDrainMs() && r.failed() == 0 ? "met" : "NOT met");
        }
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
