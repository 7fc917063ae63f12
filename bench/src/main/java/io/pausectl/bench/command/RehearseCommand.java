package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import io.pausectl.bench.migrate.Rehearsal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code pause-bench rehearse}: the user's real migration in a window on their own staging stack, under load. */
@Command(name = "rehearse", mixinStandardHelpOptions = true,
        header = "Your own migration in a window, on your staging front.",
        description = {"Loads an existing front (a pause-proxy or an HAProxy frontend with the gate) open-loop, runs"
                + " 'pausectl run -- CMD' against its admin API (--admin) or HAProxy (--haproxy, --frontend) with your"
                + " real migration, and reports what the clients saw: sent, 2xx, failed by kind, lost (never"
                + " answered), latency. Load goes to --url only, which you name: rehearse on staging, not production.",
                "Exit code 3 when a request failed or was never answered; otherwise pausectl's own exit code."})
public final class RehearseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "The front the clients use, e.g. http://staging-lb:8080.")
    URI url;

    @Option(names = "--path", defaultValue = "/", description = "Path of the reads (default ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--write-path", paramLabel = "PATH",
            description = "Also send POSTs here (empty body, unique X-Req-Id), one in --write-every.")
    String writePath;

    @Option(names = "--write-every", defaultValue = "4", description = "One request in this many is a write (default ${DEFAULT-VALUE}).")
    int writeEvery;

    @Option(names = "--rate", defaultValue = "50", description = "Requests per second, open-loop (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--before", defaultValue = "2s", converter = DurationConverter.class,
            description = "Load before the window (default ${DEFAULT-VALUE}).")
    Duration before;

    @Option(names = "--after", defaultValue = "3s", converter = DurationConverter.class,
            description = "Load after pausectl exits (default ${DEFAULT-VALUE}).")
    Duration after;

    @Option(names = "--admin", paramLabel = "URL", description = "A pause-proxy admin API (repeat for a fleet).")
    List<String> admin;

    @Option(names = "--token-file", paramLabel = "FILE", description = "The admin API token.")
    Path tokenFile;

    @Option(names = "--haproxy", paramLabel = "ADDR", description = "HAProxy's runtime API (unix:/path or tcp://host:port).")
    List<String> haproxy;

    @Option(names = "--frontend", paramLabel = "NAME", description = "The HAProxy frontend, with --haproxy.")
    String frontend;

    @Option(names = "--strategy", defaultValue = "gate", description = "HAProxy strategy, with --haproxy (default ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--postgres", paramLabel = "URL", description = "Passed to pausectl run --postgres.")
    String postgres;

    @Option(names = "--max-pause", paramLabel = "DURATION",
            description = "Passed to pausectl run (default: pausectl's, fitted to the targets' queue timeout).")
    String maxPause;

    @Option(names = "--scope-methods", split = ",", paramLabel = "METHOD", description = "Passed to pausectl run.")
    List<String> scopeMethods;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write pausectl's and the command's output to FILE instead of this terminal.")
    Path output;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "Your migration command (after --).")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("--url must be http://host[:port], got " + url);
        }
        if ((admin == null) == (haproxy == null)) {
            throw new IllegalArgumentException("name the pause: --admin URL (pause-proxy) or --haproxy ADDR --frontend NAME");
        }
        if (haproxy != null && frontend == null) {
            throw new IllegalArgumentException("--haproxy needs --frontend NAME");
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        List<String> args = new ArrayList<>();
        if (admin != null) {
            admin.forEach(a -> args.addAll(List.of("--target", a)));
            if (tokenFile != null) {
                args.addAll(List.of("--token-file", tokenFile.toString()));
            }
        } else {
            haproxy.forEach(h -> args.addAll(List.of("--haproxy", h)));
            args.addAll(List.of("--frontend", frontend, "--strategy", strategy));
        }
        args.addAll(List.of("run", "--reason", "pause-bench rehearse"));
        if (maxPause != null) {
            args.addAll(List.of("--max-pause", maxPause));
        }
        if (postgres != null) {
            args.addAll(List.of("--postgres", postgres));
        }
        if (scopeMethods != null) {
            args.addAll(List.of("--scope-methods", String.join(",", scopeMethods)));
        }
        args.add("--");
        args.addAll(command);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "rehearsing: %s req/s on %s%s, then pausectl %s%n", rate, url.resolve(path),
                writePath == null ? "" : " (+ POST " + writePath + ")", String.join(" ", args));
        out.flush();
        Rehearsal.Report r = Rehearsal.run(new Rehearsal.Settings(url, path, writePath, writeEvery, rate, before, after,
                args, output));
        out.println();
        out.println("What the clients saw");
        out.printf(Locale.ROOT, "  %-22s %10d%n", "requests sent", r.sent());
        out.printf(Locale.ROOT, "  %-22s %10d%n", "succeeded (2xx)", r.ok());
        out.printf(Locale.ROOT, "  %-22s %10d%s%n", "failed", r.failed() - r.unanswered(), r.errors().isEmpty() ? ""
                : "   " + r.errors().entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "  %-22s %10d   (sent, never answered)%n", "lost", r.unanswered());
        if (writePath != null) {
            out.printf(Locale.ROOT, "  %-22s %10d   (check them against your table: duplicates cannot be seen from here)%n",
                    "writes acknowledged", r.writesAcknowledged());
        }
        out.printf(Locale.ROOT, "  %-22s %10.1f ms%n", "latency p50", r.p50Ms());
        out.printf(Locale.ROOT, "  %-22s %10.1f ms%n", "latency p99", r.p99Ms());
        out.printf(Locale.ROOT, "  %-22s %10.1f ms   (from each request's intended send time)%n", "latency max", r.maxMs());
        out.printf(Locale.ROOT, "  %-22s %10d ms   (pausectl exited %d)%n", "pausectl run", r.windowMs(), r.pausectlExit());
        if (r.failed() > 0) {
            return PauseBenchMain.EXIT_WINDOW_NOT_CLEAN;
        }
        // No request failed, but the window itself did not happen as asked: say so by pausectl's own code.
        return r.pausectlExit();
    }
}
