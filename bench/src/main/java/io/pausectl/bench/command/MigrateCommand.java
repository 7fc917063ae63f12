package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import io.pausectl.bench.migrate.MigrateScenario;
import io.pausectl.bench.migrate.MigrateScenario.Mode;
import io.pausectl.bench.scenario.Narrator;
import io.pausectl.testkit.postgres.LocalPostgres;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code pause-bench migrate}: a real migration on a real PostgreSQL under load, with and without pausectl. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        header = "A PostgreSQL migration under load, with and without pausectl.",
        description = {"Starts PostgreSQL (this machine's binaries, scratch data directory, free port), a small JVM"
                + " application reading and writing one table through HikariCP (lock_timeout=1s, statement_timeout=3s),"
                + " and open-loop reads and writes through a real pause-proxy; then Flyway, as its own process,"
                + " rewrites the table under an ACCESS EXCLUSIVE lock (a column type change): plain; inside"
                + " 'pausectl run --postgres'; the same through HAProxy with deploy/haproxy/pause-gate.lua (when"
                + " haproxy is installed); and a 'pausectl run' sent SIGTERM mid-rewrite.",
                "Exit code 3 when a pausectl window failed, lost or duplicated a request or a write."})
public final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "300000",
            description = "Rows in the table the migration rewrites (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--rate", defaultValue = "200", description = "Requests per second, open-loop (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--write-every", defaultValue = "4",
            description = "One request in this many is a write (default ${DEFAULT-VALUE}).")
    int writeEvery;

    @Option(names = "--runs", split = ",", paramLabel = "RUN",
            description = "Which runs, in order: plain, pausectl, haproxy, sigterm (default: all; haproxy only when installed).")
    List<String> runs;

    @Option(names = "--haproxy-gate", paramLabel = "FILE",
            description = "The HAProxy gate (default: deploy/haproxy/pause-gate.lua above the working directory).")
    Path gate;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every run's figures here.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 1000 || rate <= 0 || writeEvery < 1) {
            throw new IllegalArgumentException("--rows must be at least 1000, --rate positive, --write-every at least 1");
        }
        String missing = LocalPostgres.unavailableReason();
        if (missing != null) {
            throw new IllegalStateException("migrate needs PostgreSQL: " + missing);
        }
        List<Mode> modes = modes(out);
        Narrator narrator = new Narrator(out, true);
        List<MigrateScenario.Row> rowsOut = new MigrateScenario(new MigrateScenario.Settings(rows, rate, writeEvery,
                modes, gate), narrator).run();
        print(out, rowsOut);
        if (json != null) {
            Output.json(json, rowsOut);
        }
        boolean clean = true;
        for (int i = 0; i < modes.size(); i++) {
            MigrateScenario.Row r = rowsOut.get(i);
            if (modes.get(i) != Mode.PLAIN && (r.failed() > 0 || r.lost() > 0 || r.duplicated() > 0)) {
                clean = false;
            }
        }
        out.println("target: every pausectl window fails, loses and duplicates nothing: " + (clean ? "met" : "NOT met"));
        return clean ? 0 : PauseBenchMain.EXIT_WINDOW_NOT_CLEAN;
    }

    private List<Mode> modes(PrintWriter out) {
        boolean haproxy = MigrateScenario.haproxyInstalled();
        if (gate == null) {
            gate = findGate();
        }
        List<Mode> modes = new ArrayList<>();
        List<String> asked = runs == null ? List.of("plain", "pausectl", "haproxy", "sigterm") : runs;
        for (String run : asked) {
            Mode mode;
            try {
                mode = Mode.valueOf(run.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--runs: unknown run '" + run + "' (plain, pausectl, haproxy, sigterm)");
            }
            if (mode == Mode.HAPROXY && (!haproxy || gate == null)) {
                if (runs != null) {
                    throw new IllegalArgumentException("--runs haproxy: " + (haproxy ? "no pause-gate.lua found (--haproxy-gate)"
                            : "haproxy is not installed"));
                }
                out.println("(skipping the HAProxy run: " + (haproxy ? "no deploy/haproxy/pause-gate.lua found" : "haproxy is not installed") + ")");
                continue;
            }
            modes.add(mode);
        }
        return modes;
    }

    private static Path findGate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/haproxy/pause-gate.lua");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static void print(PrintWriter out, List<MigrateScenario.Row> rows) {
        out.println();
        out.printf(Locale.ROOT, "%-36s %8s %8s %8s %10s %6s %10s %8s %8s %5s %5s  %s%n", "run", "requests", "2xx", "errors",
                "max ms", "held", "lock ms", "acked", "rows", "lost", "dup", "errors by kind / note");
        for (MigrateScenario.Row r : rows) {
            String kinds = r.errors().entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
                    .collect(Collectors.joining(", "));
            String detail = kinds.isEmpty() ? r.note() : r.note().isEmpty() ? kinds : kinds + "; " + r.note();
            out.printf(Locale.ROOT, "%-36s %8d %8d %8d %10.1f %6s %10d %8d %8d %5d %5d  %s%n", r.run(), r.requests(), r.ok(),
                    r.failed(), r.maxLatencyMs(), r.held() < 0 ? "-" : Long.toString(r.held()), r.lockHeldMs(),
                    r.writesAcknowledged(), r.rows(), r.lost(), r.duplicated(), detail);
        }
    }

}
