package io.pausectl.bench.command;

import io.pausectl.bench.scenario.HoldScenario;
import io.pausectl.bench.scenario.Narrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pause-bench hold}: the proxy's memory per held request. */
@Command(name = "hold", mixinStandardHelpOptions = true,
        header = "Memory per held request of a paused pause-proxy.",
        description = {"Holds --count requests (one connection each) in a paused pause-proxy and reports its memory per held request:"
                + " RSS and live heap (after a full GC), each against the same proxy idle; RSS read once its JIT compilers"
                + " are idle and their memory returned (the figure read at once is printed too). With --haproxy, HAProxy 2.6 with"
                + " deploy/haproxy/pause-gate.lua holds as many, measured the same way, in the same run. Target: RSS per held"
                + " request at most half of HAProxy's (3.7 KiB without --haproxy: half of its 7.44 KiB measured on this"
                + " machine). Needs a JDK (jcmd)."})
public final class HoldCommand implements Callable<Integer> {
    /** HAProxy 2.6's RSS per held request with the Lua gate, measured on the reference machine (issue 13). */
    static final double HAPROXY_RSS_KIB = 7.44;
    /** The target: at most this share of HAProxy's RSS per held request. */
    static final double TARGET_SHARE_OF_HAPROXY = 0.5;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "10000", description = "Requests to hold (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {held, rssBytesPerHeld, heapBytesPerHeld} here (with --haproxy also haproxyRssBytesPerHeld and ratioToHaproxy).")
    Path json;

    @Option(names = "--haproxy", description = "Also hold as many requests in HAProxy with the Lua gate, in the same run.")
    boolean haproxy;

    /** The JSON with --haproxy. */
    record Comparison(long held, long rssBytesPerHeld, long heapBytesPerHeld, long haproxyRssBytesPerHeld,
                      double ratioToHaproxy) {
    }

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HoldScenario.Outcome o = HoldScenario.run(count, proxy.jvmOptions, new Narrator(out, false));
        HoldScenario.Report r = o.report();
        out.printf("held %d requests%n", r.held());
        out.printf("  RSS:  idle %d KiB, holding %d KiB -> %d bytes (%.2f KiB) per held request%n",
                o.rssIdle() / 1024, o.rssHeld() / 1024, r.rssBytesPerHeld(), r.rssBytesPerHeld() / 1024.0);
        long atOnce = (o.rssHeldAtOnce() - o.rssIdle()) / r.held();
        out.printf("  RSS holding, read at once (the JIT compilers' memory not returned yet): %d KiB -> %d bytes"
                + " (%.2f KiB) per held request%n", o.rssHeldAtOnce() / 1024, atOnce, atOnce / 1024.0);
        out.printf("  heap: idle %d KiB, holding %d KiB -> %d bytes per held request (live, after a full GC)%n",
                o.heapIdle() / 1024, o.heapHeld() / 1024, r.heapBytesPerHeld());
        out.printf("  released after resume: %d ok, %d failed or lost%n", o.released(), o.failedAfterResume());
        out.printf("  peak RSS until then (VmHWM): %d KiB%n", o.rssPeak() / 1024);
        out.println("  heap growth by class (largest first):");
        for (HoldScenario.ClassGrowth g : o.topGrowth()) {
            out.printf("    %10d bytes %8d instances  %s%n", g.bytes(), g.instances(), g.className());
        }
        double haproxyKib = HAPROXY_RSS_KIB;
        Object report = r;
        if (haproxy) {
            HoldScenario.GateOutcome h = HoldScenario.runHaproxy(count, new Narrator(out, false));
            out.printf("haproxy (Lua gate) held %d requests%n", count);
            out.printf("  RSS:  idle %d KiB, holding %d KiB -> %d bytes (%.2f KiB) per held request%n",
                    h.rssIdle() / 1024, h.rssHeld() / 1024, h.rssBytesPerHeld(), h.rssBytesPerHeld() / 1024.0);
            out.printf("  released after resume: %d ok, %d failed or lost%n", h.released(), h.failedAfterResume());
            haproxyKib = h.rssBytesPerHeld() / 1024.0;
            report = new Comparison(r.held(), r.rssBytesPerHeld(), r.heapBytesPerHeld(), h.rssBytesPerHeld(),
                    h.rssBytesPerHeld() <= 0 ? 0 : Math.round(1000.0 * r.rssBytesPerHeld() / h.rssBytesPerHeld()) / 1000.0);
        }
        double target = haproxyKib * TARGET_SHARE_OF_HAPROXY;
        boolean met = r.rssBytesPerHeld() / 1024.0 <= target;
        out.printf("target: RSS per held request <= %.2f KiB (half of HAProxy's %.2f KiB%s): %s (%.2f KiB)%n", target,
                haproxyKib, haproxy ? ", this run" : ", reference machine", met ? "met" : "NOT met",
                r.rssBytesPerHeld() / 1024.0);
        if (json != null) {
            Output.json(json, report);
        }
        return 0;
    }
}
