package io.pausectl.cli;

import io.pausectl.testkit.http.TestUpstream;
import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.postgres.LocalPostgres;
import io.pausectl.testkit.postgres.PostgresLauncher;
import io.pausectl.testkit.postgres.PostgresLaunchers;
import io.pausectl.testkit.postgres.PostgresServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code pausectl run --postgres} against a real PostgreSQL and a real pause-proxy, pausectl as its own
 * process and {@code psql} as the migration. Written once for every way of starting the server: a
 * subclass names the {@link PostgresLauncher} ({@link LocalPostgresWindowIntegrationTest}: this machine's binaries,
 * what CI runs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class PostgresWindowScenarios {
    private static final Duration EXIT = Duration.ofSeconds(60);
    /** How long the test's own status call waits for the proxy's answer: a loaded CI host is slow. */
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);

    private PostgresServer db;
    private TestUpstream upstream;
    private ProxyProcess proxy;
    private String psql;
    private final List<PausectlProcess> runs = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();

    @TempDir
    Path dir;

    /** How this class's server is started. */
    abstract PostgresLauncher launcher();

    @BeforeAll
    void start() throws Exception {
        db = PostgresLaunchers.startOrSkip(launcher());
        psql = LocalPostgres.clientBinary("psql")
                .orElseThrow(() -> new AssertionError("no psql client (apt-get install postgresql-client)")).toString();
        upstream = new TestUpstream();
        proxy = ProxyProcess.builder().args(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                "--admin-listen", "127.0.0.1:0")).start();
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @AfterEach
    void closeEach() {
        runs.forEach(PausectlProcess::close);
        runs.clear();
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                // the test may have closed it, or the server ended it
            }
        }
        connections.clear();
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        connections.add(c);
        return c;
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private void table(String name) throws SQLException {
        sql("DROP TABLE IF EXISTS " + name);
        sql("CREATE TABLE " + name + " (id serial PRIMARY KEY, v int NOT NULL)");
        sql("INSERT INTO " + name + " (v) SELECT g FROM generate_series(1, 1000) g");
    }

    private Status status() throws Exception {
        try (AdminApiTarget admin = new AdminApiTarget(proxy.adminUrl(), Optional.empty(), STATUS_TIMEOUT)) {
            return admin.status();
        }
    }

    /** pausectl run with the proxy and the server, then {@code psql -c sql} as the command. */
    private PausectlProcess run(List<String> options, String migrationSql) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--target", proxy.adminUrl(), "--postgres", db.uri()));
        args.addAll(options);
        args.addAll(List.of("--", psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", db.uri(), "-c", migrationSql));
        PausectlProcess p = PausectlProcess.start(dir.resolve("logs"), args);
        runs.add(p);
        return p;
    }

    @Test
    void aMigrationWindowThroughARealProxyFailsNoRequest() throws Exception {
        table("orders_window");
        try (SteadyLoad load = new SteadyLoad(proxy.clientUrl(), 4)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.ok.get() >= 50);
            // A table rewrite under an exclusive lock, long enough that the clients are held behind it.
            PausectlProcess run = run(List.of("-o", "json"), "BEGIN; ALTER TABLE orders_window ALTER COLUMN v TYPE bigint;"
                    + " SELECT pg_sleep(0.5); COMMIT;");
            assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
            long okAfterWindow = load.ok.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.ok.get() >= okAfterWindow + 50);
            load.stop();
            assertThat(load.failed.get()).as("failures: %s", load.failures).isZero();
            assertThat(load.heldByPause.get()).as(run.err()).isGreaterThanOrEqualTo(1);
            JsonNode summary = Json.lenient().readTree(lastLine(run.out()));
            assertThat(summary.at("/database/applicationName").asText()).startsWith("pausectl-run-");
            assertThat(summary.at("/database/lockWaits").size()).isZero();
            assertThat(run.err()).contains("traffic was paused for", "waited for no lock");
        }
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                     + " WHERE attrelid = 'orders_window'::regclass AND attname = 'v'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("bigint");
        }
        assertThat(status().state()).isEqualTo(PauseState.RUNNING);
    }

    /**
     * Fault: after SIGTERM the migration process dies at once, but its server session goes on holding the
     * table's exclusive lock (here for 60s); traffic resumed when the process exited and met the lock.
     */
    @Test
    void afterSigtermTrafficResumesOnlyOnceTheMigrationsLockIsReleased() throws Exception {
        table("orders_sigterm");
        String name = "sigterm-scenario";
        PausectlProcess run = run(List.of("--application-name", name),
                "BEGIN; LOCK TABLE orders_sigterm IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;");
        try (Connection watch = connect()) {
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> exclusiveLockHeld(watch, "orders_sigterm"));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the migration never held its lock; pausectl's stderr:\n" + run.err(), e);
            }
            assertThat(status().state()).isEqualTo(PauseState.PAUSED);
            assertThat(applicationNames(watch)).contains(name);

            run.terminate();
            // Poll both until pausectl has exited: each round reads the proxy first, then pg_locks, so a round
            // that sees traffic resumed and the lock still held proves traffic met the lock.
            boolean resumed = false;
            boolean lockHeldAfterResume = false;
            long deadline = System.nanoTime() + EXIT.toNanos();
            while (run.isAlive() && System.nanoTime() < deadline) {
                boolean resumedNow = status().state() != PauseState.PAUSED;
                boolean held = exclusiveLockHeld(watch, "orders_sigterm");
                resumed |= resumedNow;
                lockHeldAfterResume |= resumedNow && held;
                await().pollDelay(Duration.ofMillis(20)).atMost(Duration.ofSeconds(1)).until(() -> true);
            }
            assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(128 + 15);
            assertThat(lockHeldAfterResume).as("traffic resumed while the migration's lock was held; stderr:%n%s",
                    run.err()).isFalse();
            assertThat(exclusiveLockHeld(watch, "orders_sigterm")).isFalse();
        }
        Status after = status();
        assertThat(after.state()).isEqualTo(PauseState.RUNNING);
        assertThat(after.lease()).isNull();
        assertThat(run.err()).contains("cancelling the migration's running statement(s) (pg_cancel_backend, pid",
                "the migration's sessions hold no lock any more", "traffic stayed paused");
    }

    /** Fault: nothing showed that the migration sat behind another session's lock, nor whose. */
    @Test
    void aLockWaitNamesTheIdleInTransactionBlocker() throws Exception {
        table("orders_wait");
        Connection blocker = connect();
        blocker.setAutoCommit(false);
        int blockerPid;
        try (Statement s = blocker.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                blockerPid = rs.getInt(1);
            }
            s.executeQuery("SELECT count(*) FROM orders_wait").close();
        }
        PausectlProcess run = run(List.of("-o", "json"), "ALTER TABLE orders_wait ADD COLUMN note text");
        await().atMost(Duration.ofSeconds(30)).until(() -> run.err().contains("WAITING FOR A LOCK"));
        assertThat(run.err()).contains("blocked by pid " + blockerPid + " (idle in transaction, transaction open ",
                "SELECT count(*) FROM orders_wait", "for AccessExclusiveLock on orders_wait");
        blocker.rollback();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("WAITED FOR LOCKS held by:", "blocked by pid " + blockerPid);
        JsonNode summary = Json.lenient().readTree(lastLine(run.out()));
        assertThat(summary.at("/database/lockWaits/0/blocker/pid").asInt()).isEqualTo(blockerPid);
        assertThat(summary.at("/database/lockWaits/0/blocker/state").asText()).isEqualTo("idle in transaction");
    }

    /** Fault: a window opened although an old transaction would hold the migration, and traffic, behind it. */
    @Test
    void thePreflightRefusesWhileAnOldTransactionIsOpen() throws Exception {
        table("orders_preflight");
        Connection old = connect();
        old.setAutoCommit(false);
        int oldPid;
        try (Statement s = old.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            oldPid = rs.getInt(1);
        }
        try (Connection watch = connect()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> xactAgeMs(watch, oldPid) > 1200);
        }
        long pausesBefore = status().counters().pausesResumed() + status().counters().pausesExpired();
        Path ran = dir.resolve("ran");
        List<String> args = new ArrayList<>(List.of("run", "--target", proxy.adminUrl(), "--postgres", db.uri(),
                "--preflight-max-xact-age", "1s", "--", "sh", "-c", "touch \"$1\"", "sh", ran.toString()));
        PausectlProcess run = PausectlProcess.start(dir.resolve("logs"), args);
        runs.add(run);
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(3);
        assertThat(run.err()).contains("pre-flight: 1 transaction(s) open longer than --preflight-max-xact-age 1s",
                "pid " + oldPid + " (idle in transaction, transaction open ", "nothing was paused, the command was NOT run",
                "--allow-old-transactions");
        assertThat(Files.exists(ran)).isFalse();
        Status after = status();
        assertThat(after.state()).isEqualTo(PauseState.RUNNING);
        assertThat(after.counters().pausesResumed() + after.counters().pausesExpired()).isEqualTo(pausesBefore);
        old.rollback();
    }

    /** The JSON summary: the last line on stdout, after the command's own output. */
    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Fault: a tool that never took the name (a JDBC URL without ApplicationName) went unnoticed. */
    @Test
    void aCommandWhoseSessionsNeverCarryTheNameIsWarnedAbout() throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--target", proxy.adminUrl(), "--postgres", db.uri(), "--",
                psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null",
                "postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port() + "/"
                        + db.database() + "?application_name=not-the-one", "-c", "SELECT pg_sleep(2.5)"));
        PausectlProcess run = PausectlProcess.start(dir.resolve("logs"), args);
        runs.add(run);
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("WARNING: no database session named pausectl-run-",
                "ApplicationName=$PAUSECTL_APPLICATION_NAME");
    }

    private static boolean exclusiveLockHeld(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE relation = ?::regclass"
                + " AND mode = 'AccessExclusiveLock' AND granted")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    private static List<String> applicationNames(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT application_name FROM pg_stat_activity")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static long xactAgeMs(Connection c, int pid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce((extract(epoch FROM clock_timestamp()"
                + " - xact_start) * 1000)::bigint, -1) FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }
}
