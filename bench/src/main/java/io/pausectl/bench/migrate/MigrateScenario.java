package io.pausectl.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pausectl.bench.scenario.Narrator;
import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.postgres.LocalPostgres;
import io.pausectl.testkit.postgres.PostgresServer;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code pause-bench migrate}: a real PostgreSQL, the {@link MigrateApp} on it, open-loop reads and writes
 * through a real pause-proxy (or HAProxy with the gate), and Flyway as its own process rewriting the hot
 * table under an exclusive lock. One run per way of doing it: the plain migration, {@code pausectl run
 * --postgres}, the same through HAProxy, and a {@code pausectl run} SIGTERM'd mid-rewrite. Each run has a
 * schema of its own, so the migration is new each time.
 */
public final class MigrateScenario {
    /** How a run does the migration. */
    public enum Mode {
        PLAIN("plain migration"), PAUSECTL("pausectl run"), HAPROXY("pausectl run, HAProxy gate"),
        SIGTERM("pausectl run, SIGTERM mid-rewrite");

        final String label;

        Mode(String label) {
            this.label = label;
        }

        boolean windowed() {
            return this != PLAIN;
        }
    }

    /**
     * The scenario's settings.
     *
     * @param rows      rows seeded in the table (the rewrite's size)
     * @param rate      requests per second, open-loop
     * @param writeEvery one request in this many is a write
     * @param modes     the runs, in order
     * @param gate      deploy/haproxy/pause-gate.lua, when HAProxy runs
     */
    public record Settings(int rows, double rate, int writeEvery, List<Mode> modes, Path gate) {
    }

    /**
     * One run's figures.
     *
     * @param lockHeldMs how long the table's ACCESS EXCLUSIVE lock was seen held (pg_locks, sampled every 20ms)
     * @param held       requests the proxy (or gate) held, from pausectl's summary; -1 without pausectl
     * @param rows       rows of this run's writes in the table
     * @param lost       writes answered 2xx whose row is not in the table
     * @param duplicated write ids found in more than one row
     */
    public record Row(String run, long requests, long ok, Map<String, Long> errors, double maxLatencyMs,
                      double p99LatencyMs, long held, long lockHeldMs, long writesAcknowledged, long rows, long lost,
                      long duplicated, int migrationExit, String note) {

        public long failed() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Settings settings;
    private final Narrator narrator;
    private final ObjectMapper json = new ObjectMapper();

    public MigrateScenario(Settings settings, Narrator narrator) {
        this.settings = settings;
        this.narrator = narrator;
    }

    /** Runs every mode against a server started here from the local binaries; rows in the order of the modes. */
    public List<Row> run() throws Exception {
        narrator.say("%s", "starting PostgreSQL (scratch data directory, free port)");
        try (PostgresServer db = LocalPostgres.start()) {
            return run(db);
        }
    }

    /** Runs every mode against {@code db}; rows in the order of the modes. */
    public List<Row> run(PostgresServer db) throws Exception {
        Path scratch = Files.createTempDirectory("pause-bench-migrate-");
        try {
            Path migrations = Files.createDirectories(scratch.resolve("migrations"));
            // A column type change: PostgreSQL rewrites the table and its indexes under ACCESS EXCLUSIVE.
            Files.writeString(migrations.resolve("V1__widen_items_v.sql"),
                    "ALTER TABLE items ALTER COLUMN v TYPE bigint;\n");
            narrator.say("%s", "PostgreSQL " + db.majorVersion() + " on " + db.host() + ":" + db.port());
            List<Row> rows = new ArrayList<>();
            for (Mode mode : settings.modes()) {
                rows.add(runOne(db, mode, scratch, migrations));
            }
            return rows;
        } finally {
            deleteQuietly(scratch);
        }
    }

    private Row runOne(PostgresServer db, Mode mode, Path scratch, Path migrations) throws Exception {
        String schema = "run_" + mode.name().toLowerCase();
        narrator.say("%s", mode.label + ": seeding " + settings.rows() + " rows in " + schema + ".items");
        seed(db, schema);
        Path logs = Files.createDirectories(scratch.resolve(schema));
        try (MigrateApp app = MigrateApp.start(db, schema);
             Front front = mode == Mode.HAPROXY ? Haproxy.start(app.uri(), settings.gate(), logs)
                     : PauseProxy.start(app.uri());
             LockWatch lock = new LockWatch(db, schema + ".items")) {
            MixedLoad load = new MixedLoad(front.clientUri(), settings.rate(), settings.writeEvery(), settings.rows(),
                    schema.replace("_", ""));
            try {
                awaitAnswers(load, (long) Math.max(20, settings.rate() / 2));
                List<String> migrate = migrationCommand(db, schema, migrations);
                Process process;
                Path out = logs.resolve("stdout");
                Path err = logs.resolve("stderr");
                if (mode == Mode.PLAIN) {
                    process = start(migrate, out, err, db);
                } else {
                    List<String> pausectl = new ArrayList<>(javaCommand("io.pausectl.cli.PausectlMain"));
                    pausectl.addAll(front.pausectlTarget());
                    pausectl.addAll(List.of("-o", "json", "run", "--reason", "pause-bench migrate", "--postgres",
                            db.uri(), "--max-pause", "60s", "--"));
                    pausectl.addAll(migrate);
                    process = start(pausectl, out, err, db);
                }
                if (mode == Mode.SIGTERM) {
                    // Mid-rewrite: once the migration holds the table's exclusive lock, as a cancelled CI job does.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!lock.everHeld() && process.isAlive() && System.nanoTime() < deadline) {
                        TimeUnit.MILLISECONDS.sleep(10);
                    }
                    process.destroy();
                }
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(mode.label + ": the migration did not end within 120s");
                }
                int exit = process.exitValue();
                // The clients held by the window, then a little steady traffic after it.
                awaitAnswers(load, load.sent() + (long) Math.max(20, settings.rate()));
                load.finish(Duration.ofSeconds(60));
                long held = -1;
                String note = "";
                if (mode.windowed()) {
                    String summary = lastLine(Files.readString(out, StandardCharsets.UTF_8));
                    try {
                        JsonNode node = json.readTree(summary);
                        held = node.at("/totals/held").asLong(-1);
                        JsonNode database = node.at("/database");
                        if (database.at("/locksStillHeld").asBoolean(false)) {
                            note = "resumed while the migration still held locks";
                        } else if (database.at("/cancelledPids").size() > 0) {
                            note = "statement cancelled, paused " + database.at("/releaseWaitMs").asLong()
                                    + "ms more for the rollback";
                        }
                    } catch (IOException e) {
                        note = "no summary from pausectl: " + tail(err);
                    }
                }
                if (exit != 0 && mode != Mode.SIGTERM) {
                    note = (note.isEmpty() ? "" : note + "; ") + "migration exited " + exit + ": " + tail(err);
                }
                long[] ledger = ledger(db, schema, load.acknowledgedWrites());
                narrator.say("%s", mode.label + ": " + load.sent() + " requests, " + load.failed() + " failed, migration exit "
                        + exit);
                return new Row(mode.label, load.sent(), load.ok(), load.errors(), load.maxLatencyMs(),
                        load.p99LatencyMs(), held, lock.heldMs(), load.acknowledgedWrites().size(), ledger[0],
                        ledger[1], ledger[2], exit, note);
            } finally {
                load.close();
            }
        }
    }

    private void seed(PostgresServer db, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".items (id bigserial PRIMARY KEY, req_id text, v int NOT NULL,"
                    + " payload text NOT NULL)");
            s.execute("INSERT INTO " + schema + ".items (v, payload) SELECT g, repeat(md5(g::text), 3)"
                    + " FROM generate_series(1, " + settings.rows() + ") g");
            s.execute("CREATE INDEX ON " + schema + ".items (req_id)");
            s.execute("ANALYZE " + schema + ".items");
        }
    }

    /** Rows of the acknowledged writes: {rows of this run's writes, lost, duplicated}. */
    private static long[] ledger(PostgresServer db, String schema, Set<String> acknowledged) throws SQLException {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT req_id, count(*) FROM " + schema + ".items"
                     + " WHERE req_id IS NOT NULL GROUP BY req_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        long rows = counts.values().stream().mapToLong(Long::longValue).sum();
        long lost = acknowledged.stream().filter(id -> !counts.containsKey(id)).count();
        long duplicated = counts.values().stream().filter(n -> n > 1).count();
        return new long[] {rows, lost, duplicated};
    }

    private static void awaitAnswers(MixedLoad load, long answers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (load.ok() + load.failed() < answers && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static List<String> migrationCommand(PostgresServer db, String schema, Path migrations) {
        List<String> command = new ArrayList<>(javaCommand(FlywayMigrate.class.getName()));
        command.addAll(List.of(db.jdbcUrl(), db.user(), schema, "filesystem:" + migrations));
        return command;
    }

    /** {@code java -cp <this class path> MAIN}: the bench's own classes in a JVM of their own. */
    static List<String> javaCommand(String mainClass) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass);
    }

    private static Process start(List<String> command, Path out, Path err, PostgresServer db) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("BENCH_MIGRATE_PASSWORD", db.password());
        return builder.start();
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a scratch directory left in /tmp is harmless
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Whether haproxy is installed here (the HAProxy run needs it). */
    public static boolean haproxyInstalled() {
        return Haproxy.binary().isPresent();
    }

    /** What the clients talk to, and how pausectl reaches it. */
    interface Front extends AutoCloseable {
        URI clientUri();

        /** pausectl's global options naming this front. */
        List<String> pausectlTarget();

        @Override
        void close();
    }

    /** A real pause-proxy in its own JVM. */
    static final class PauseProxy implements Front {
        private final ProxyProcess process;

        private PauseProxy(ProxyProcess process) {
            this.process = process;
        }

        static PauseProxy start(URI app) throws IOException {
            return new PauseProxy(ProxyProcess.builder().args(List.of("--listen", "127.0.0.1:0", "--admin-listen",
                    "127.0.0.1:0", "--upstream", app.toString(), "--queue-timeout", "60s", "--max-pause", "2m")).start());
        }

        @Override
        public URI clientUri() {
            return URI.create(process.clientUrl());
        }

        @Override
        public List<String> pausectlTarget() {
            return List.of("--target", process.adminUrl());
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** HAProxy with deploy/haproxy/pause-gate.lua on its frontend, stats socket in the scratch directory. */
    static final class Haproxy implements Front {
        private final Process process;
        private final int port;
        private final Path socket;

        private Haproxy(Process process, int port, Path socket) {
            this.process = process;
            this.port = port;
            this.socket = socket;
        }

        /** The haproxy binary, if installed. */
        static Optional<Path> binary() {
            List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
            dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin"));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, "haproxy")).filter(Files::isExecutable)
                    .findFirst();
        }

        static Haproxy start(URI app, Path gate, Path dir) throws IOException, InterruptedException {
            Path bin = binary().orElseThrow(() -> new IllegalStateException("no haproxy installed"));
            int port = freePort();
            Path socket = dir.resolve("haproxy.sock");
            Path config = dir.resolve("haproxy.cfg");
            Files.writeString(config, String.join("\n",
                    "global",
                    "    stats socket " + socket + " mode 600 level admin",
                    "    lua-load " + gate,
                    "    set-var proc.pausectl_hold_limit_ms int(60000)",
                    "defaults",
                    "    mode http",
                    "    timeout connect 2s",
                    "    timeout client 90s",
                    "    timeout server 90s",
                    "    timeout http-request 10s",
                    "    timeout http-keep-alive 30s",
                    // The released burst waits for the server's maxconn in HAProxy's queue; by default
                    // it may wait only "timeout connect" (2s), then 503. As long as pause-proxy's queue-timeout.
                    "    timeout queue 30s",
                    "frontend fe_main",
                    "    bind 127.0.0.1:" + port,
                    "    maxconn 4000",
                    "    http-request lua.pause_gate",
                    "    default_backend be_app",
                    "backend be_app",
                    "    server app 127.0.0.1:" + app.getPort() + " maxconn 64",
                    ""));
            Process process = new ProcessBuilder(bin.toString(), "-db", "-f", config.toString()).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.exists(socket) || !accepts(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("haproxy did not start: "
                            + Files.readString(dir.resolve("haproxy.log")));
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            return new Haproxy(process, port, socket);
        }

        private static boolean accepts(int port) {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public URI clientUri() {
            return URI.create("http://127.0.0.1:" + port);
        }

        @Override
        public List<String> pausectlTarget() {
            return List.of("--haproxy", "unix:" + socket, "--frontend", "fe_main", "--strategy", "gate");
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /**
     * Samples pg_locks every 20ms for an ACCESS EXCLUSIVE lock granted on the table: how long the migration
     * held it, from the server's point of view.
     */
    static final class LockWatch implements AutoCloseable {
        private final Connection connection;
        private final Thread thread;
        private final AtomicLong firstNanos = new AtomicLong();
        private final AtomicLong lastNanos = new AtomicLong();
        private volatile boolean running = true;

        LockWatch(PostgresServer db, String table) throws SQLException {
            connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
            PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM pg_locks WHERE relation = ?::regclass"
                    + " AND mode = 'AccessExclusiveLock' AND granted");
            ps.setString(1, table);
            thread = new Thread(() -> {
                try (ps) {
                    while (running) {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            if (rs.getInt(1) > 0) {
                                long now = System.nanoTime();
                                firstNanos.compareAndSet(0, now);
                                lastNanos.set(now);
                            }
                        }
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                } catch (SQLException | InterruptedException e) {
                    // the run is over, or the server went away: what was seen stands
                }
            }, "lock-watch");
            thread.setDaemon(true);
            thread.start();
        }

        boolean everHeld() {
            return firstNanos.get() != 0;
        }

        long heldMs() {
            long first = firstNanos.get();
            return first == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(lastNanos.get() - first);
        }

        @Override
        public void close() throws SQLException, InterruptedException {
            running = false;
            thread.join(5000);
            connection.close();
        }
    }
}
