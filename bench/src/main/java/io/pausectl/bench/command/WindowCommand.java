package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import io.pausectl.bench.scenario.Narrator;
import io.pausectl.bench.scenario.WindowScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pause-bench window}: a maintenance window under load, measured. */
@Command(name = "window", mixinStandardHelpOptions = true,
        header = "Load through pause-proxy with a pausectl run window.",
        description = {"Runs open-loop load through a real pause-proxy (own process) in front of an in-process upstream,"
                + " with 'pausectl run -- sleep <pause>' in the middle, and reports what the clients and the upstream saw."
                + " Targets: 0 failed, 0 lost, 0 duplicated; max latency <= pause + 100 ms."})
public final class WindowCommand implements Callable<Integer> {
    /** Latency allowed above the pause itself. */
    static final long TARGET_SLACK_MS = 100;

    @Spec
    CommandSpec spec;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long the load lasts (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--pause", defaultValue = "3s", converter = DurationConverter.class,
            description = "How long the command inside pausectl run sleeps (default ${DEFAULT-VALUE}).")
    Duration pause;

    @Option(names = "--upstream-keep-alive", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "The sample upstream closes a keep-alive connection idle this long, as gunicorn (2s) or"
                    + " Node (5s) do; pauses around it test the proxy's idle connections. Default: never.")
    Duration upstreamKeepAlive;

    @Option(names = "--kill-upstream-mid-drain", paramLabel = "DELAY", converter = DurationConverter.class,
            description = "Run the upstream as its own process and SIGKILL it DELAY after the drain began (the proxy"
                    + " left 'paused'), then start it again on its port after --upstream-down. Counts the requests"
                    + " answered 502 although their connection was refused (target 0).")
    Duration killUpstreamMidDrain;

    @Option(names = "--upstream-down", paramLabel = "FOR", defaultValue = "1500ms", converter = DurationConverter.class,
            description = "With --kill-upstream-mid-drain: how long after the kill the upstream is started again"
                    + " (default ${DEFAULT-VALUE}; within the proxy's --queue-timeout, 30s, nothing refused may fail).")
    Duration upstreamDown;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {sent, ok, failed, lost, duplicated, p50Ms, p99Ms, maxMs, pauseMs, drainMs} here.")
    Path json;

    @Option(names = "--svg", paramLabel = "FILE", description = "Write a latency-over-time chart, the pause shaded, here.")
    Path svg;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        WindowScenario.Settings settings = new WindowScenario.Settings(rate, duration, pause, 2, 2000, proxy.jvmOptions,
                upstreamKeepAlive, killUpstreamMidDrain, killUpstreamMidDrain == null ? null : upstreamDown);
        WindowScenario.Outcome o = WindowScenario.run(settings, new CliWindowDriver(false), new Narrator(out, false));
        printSummary(out, o);
        WindowScenario.Report r = o.report();
        long limit = pause.toMillis() + TARGET_SLACK_MS;
        if (o.outage() != null) {
            out.printf(Locale.ROOT, "target: no request refused yet answered 502, 0 lost, 0 duplicated beyond the retry rule: %s%n",
                    o.clean() ? "met" : "NOT met");
        } else {
            out.printf(Locale.ROOT, "target: 0 failed, 0 lost, 0 duplicated: %s%n", o.clean() ? "met" : "NOT met");
        }
        out.printf(Locale.ROOT, "target: max latency <= --pause + %d ms (%d ms): %s (%.1f ms)%n", TARGET_SLACK_MS, limit,
                r.maxMs() <= limit ? "met" : "NOT met", r.maxMs());
        long measuredLimit = r.pauseMs() + TARGET_SLACK_MS;
        out.printf(Locale.ROOT, "       max latency <= measured pause + %d ms (%d ms): %s (%.1f ms)%n", TARGET_SLACK_MS,
                measuredLimit, r.maxMs() <= measuredLimit ? "met" : "NOT met", r.maxMs());
        if (json != null) {
            Output.json(json, r);
        }
        if (svg != null) {
            Output.text(svg, o.svg(String.format(Locale.ROOT, "pause-bench window: %s req/s, pause %s",
                    WindowScenarioFormat.number(rate), WindowScenario.sleepArgument(pause) + "s"), pause));
            out.println("chart: " + svg.toAbsolutePath());
        }
        return o.clean() ? 0 : PauseBenchMain.EXIT_WINDOW_NOT_CLEAN;
    }

    /** The table of what the clients saw; the demo prints the same. */
    static void printSummary(PrintWriter out, WindowScenario.Outcome o) {
        WindowScenario.Report r = o.report();
        out.println();
        out.println("What the clients saw");
        out.printf(Locale.ROOT, "  %-26s %10d%n", "requests sent", r.sent());
        out.printf(Locale.ROOT, "  %-26s %10d%n", "succeeded (2xx)", r.ok());
        out.printf(Locale.ROOT, "  %-26s %10d%s%n", "failed", r.failed(), o.failures().isEmpty() ? "" : "   " + o.failures());
        out.printf(Locale.ROOT, "  %-26s %10d   (sent, never answered)%n", "lost", r.lost());
        out.printf(Locale.ROOT, "  %-26s %10d   (reached the upstream more than once)%n", "duplicated", r.duplicated());
        out.printf(Locale.ROOT, "  %-26s %10d   (longest hold %d ms, as the proxy's Server-Timing says)%n",
                "held by the proxy", o.held(), o.maxHeldMs());
        out.printf(Locale.ROOT, "  %-26s %10.1f ms%n", "latency p50", r.p50Ms());
        out.printf(Locale.ROOT, "  %-26s %10.1f ms%n", "latency p99", r.p99Ms());
        out.printf(Locale.ROOT, "  %-26s %10.1f ms   (from each request's intended send time)%n", "latency max", r.maxMs());
        out.printf(Locale.ROOT, "  %-26s %10d ms   (%s)%n", "pause", r.pauseMs(), o.pauseFromProxy()
                ? "the proxy's own account: pause to resume" : "pausectl run's wall time: the proxy gave no figure");
        out.printf(Locale.ROOT, "  %-26s %10d ms   (pausectl run: pause asked -> resumed and drained)%n", "pausectl run", o.runMs());
        out.printf(Locale.ROOT, "  %-26s %10d ms   (first held request answered -> last)%n", "drain", r.drainMs());
        WindowScenario.Outage outage = o.outage();
        if (outage != null) {
            out.printf(Locale.ROOT, "  %-26s %10d ms   (SIGKILL, ms after the drain began; back %d ms later)%n",
                    "upstream killed at", outage.killedAfterDrainMs(), outage.downMs());
            out.printf(Locale.ROOT, "  %-26s %10d   (of them never seen by any upstream process: %d)%n",
                    "answered 502", outage.answered502(), outage.unseen502());
            out.printf(Locale.ROOT, "  %-26s %10d   (connection refused until its deadline: never sent; target 0)%n",
                    "refused yet 502", outage.refused502());
            out.printf(Locale.ROOT, "  %-26s %10d%n", "answered 504", outage.answered504());
            out.printf(Locale.ROOT, "  %-26s %10d   (of the duplicated: seen by the killed process, unanswered, then once"
                    + " more: an idempotent request's one retry, not a fault)%n", "sent again", outage.resent());
        }
        if (o.answeredUnseen() > 0) {
            out.printf(Locale.ROOT, "  WARNING: %d request(s) answered 2xx never reached the upstream%n", o.answeredUnseen());
        }
    }
}
