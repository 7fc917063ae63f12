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
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code pause-bench demo}: the README's first command. A small maintenance window, explained as it
 * happens, then the table of what the clients saw and a chart.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "A small maintenance window, end to end, explained.",
        description = {"A maintenance window at a friendly scale (about 10 s), explained as it goes: an in-process upstream,"
                + " the real pause-proxy in front of it, steady load, and 'pausectl run -- sleep 3' in the middle."
                + " Prints what the clients saw and writes a latency-over-time chart (SVG)."})
public final class DemoCommand implements Callable<Integer> {
    static final double RATE = 200;
    static final Duration DURATION = Duration.ofSeconds(8);
    static final Duration PAUSE = Duration.ofSeconds(3);

    @Spec
    CommandSpec spec;

    @Option(names = "--svg", paramLabel = "FILE",
            description = "Where to write the chart (default: demo-window.svg beside the pause-bench launcher).")
    Path svg;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the window's JSON here.")
    Path json;

    @Mixin
    ProxyOptions proxy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.println("pause-bench demo: a maintenance window with pause-proxy and pausectl, all on this machine (loopback).");
        out.printf(Locale.ROOT, "Steady load of %s requests/s for %ds; in the middle, 'pausectl run -- sleep %s' stands in"
                        + " for a migration.%n%n", WindowScenarioFormat.number(RATE), DURATION.toSeconds(),
                WindowScenario.sleepArgument(PAUSE));
        Narrator narrator = new Narrator(out, true);
        WindowScenario.Settings settings = new WindowScenario.Settings(RATE, DURATION, PAUSE, 1, 500, proxy.jvmOptions, null);
        WindowScenario.Outcome o = WindowScenario.run(settings, new CliWindowDriver(true), narrator);
        WindowCommand.printSummary(out, o);

        Path chart = svg != null ? svg : defaultChartPath();
        Output.text(chart, o.svg(String.format(Locale.ROOT, "pause-bench demo: %s req/s, pausectl run -- sleep %s",
                WindowScenarioFormat.number(RATE), WindowScenario.sleepArgument(PAUSE)), PAUSE));
        if (json != null) {
            Output.json(json, o.report());
        }
        out.println();
        if (o.clean()) {
            out.printf(Locale.ROOT, "Nothing failed, nothing was lost, nothing reached the upstream twice: during the %d ms"
                    + " pause the clients saw latency, not errors.%n", o.report().pauseMs());
        } else {
            out.println("The window was NOT clean: see failed / lost / duplicated above.");
        }
        out.println("Latency over time (the pause shaded): " + chart.toAbsolutePath());
        return o.clean() ? 0 : PauseBenchMain.EXIT_WINDOW_NOT_CLEAN;
    }

    /** {@code demo-window.svg} beside the launcher (bench/target/), or in the working directory. */
    private static Path defaultChartPath() {
        try {
            Path code = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // the launcher file or the classes directory: both sit in bench/target
            Path dir = code.getParent();
            if (dir != null && Files.isDirectory(dir)) {
                return dir.resolve("demo-window.svg");
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the working directory
        }
        return Path.of("demo-window.svg");
    }
}
