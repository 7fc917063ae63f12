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
        description = {"Holds --count requests (one connection each) in a paused pause-proxy and reports its memory per held request:",
                "RSS and live heap (after a full GC), each against the same proxy idle. Target: RSS <= 7.44 KiB per held request",
                "(HAProxy 2.6's figure on this machine). Needs a JDK (jcmd)."})
public final class HoldCommand implements Callable<Integer> {
    /** HAProxy 2.6's RSS per held request, measured on the reference machine. */
    static final double TARGET_RSS_KIB = 7.44;

    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "10000", description = "Requests to hold (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--json", paramLabel = "FILE", description = "Write {held, rssBytesPerHeld, heapBytesPerHeld} here.")
    Path json;

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
        out.printf("  heap: idle %d KiB, holding %d KiB -> %d bytes per held request (live, after a full GC)%n",
                o.heapIdle() / 1024, o.heapHeld() / 1024, r.heapBytesPerHeld());
        out.printf("  released after resume: %d ok, %d failed or lost%n", o.released(), o.failedAfterResume());
        out.println("  heap growth by class (largest first):");
        for (HoldScenario.ClassGrowth g : o.topGrowth()) {
            out.printf("    %10d bytes %8d instances  %s%n", g.bytes(), g.instances(), g.className());
        }
        boolean met = r.rssBytesPerHeld() / 1024.0 <= TARGET_RSS_KIB;
        out.printf("target: RSS per held request <= %.2f KiB: %s (%.2f KiB)%n", TARGET_RSS_KIB, met ? "met" : "NOT met",
                r.rssBytesPerHeld() / 1024.0);
        if (json != null) {
            Output.json(json, r);
        }
        return 0;
    }
}
