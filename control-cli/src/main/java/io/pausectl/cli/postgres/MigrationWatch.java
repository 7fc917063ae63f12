package io.pausectl.cli.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Asks PostgreSQL about the sessions of one migration, found by the {@code application_name} that
 * {@code pausectl run} gave them ({@code PGAPPNAME}, or {@code ApplicationName} in a JDBC URL): the locks
 * they hold, the locks they wait for and who holds those, and cancels their statements. Also finds
 * old transactions before a window opens. Everything comes from the server ({@code pg_stat_activity},
 * {@code pg_locks}, {@code pg_blocking_pids()}), never from what the client side believes.
 *
 * <p>One connection of its own ({@code application_name} {@value #OWN_NAME}), opened on demand and
 * reopened after a failure; calls are serialised on it. Each query is bounded by a 5s
 * {@code statement_timeout}.
 */
public final class MigrationWatch implements AutoCloseable {
    /** The application name of pausectl's own session, so that it is never mistaken for the migration's. */
    public static final String OWN_NAME = "pausectl";
    private static final int QUERY_CHARS = 200;
    private static final String ONE_LINE_QUERY = "regexp_replace(left(a.query, " + QUERY_CHARS + "), '\\s+', ' ', 'g')";

    private final PostgresTarget target;
    private final String applicationName;
    private Connection connection;

    /**
     * @param target          where to connect
     * @param applicationName the migration's sessions' {@code application_name}
     */
    public MigrationWatch(PostgresTarget target, String applicationName) {
        this.target = target;
        this.applicationName = applicationName;
    }

    /** The migration's sessions' {@code application_name}. */
    public String applicationName() {
        return applicationName;
    }

    public PostgresTarget target() {
        return target;
    }

    /**
     * Connects (if not connected) and checks the server answers.
     *
     * @throws SQLException when it cannot be reached or refuses the login
     */
    public synchronized void check() throws SQLException {
        try (Statement s = connection().createStatement()) {
            s.execute("SELECT 1");
        }
    }

    /**
     * Client sessions of this database, other than pausectl's own and the migration's, whose transaction
     * has been open longer than {@code maxAge}: any of them may hold a lock the migration will wait for,
     * and while it waits, every statement queued behind it waits too. Oldest first.
     */
    public synchronized List<SessionInfo> oldTransactions(Duration maxAge) throws SQLException {
        String sql = "SELECT a.pid, a.usename, a.application_name, a.state,"
                + " (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::bigint, " + ONE_LINE_QUERY
                + " FROM pg_stat_activity a"
                + " WHERE a.backend_type = 'client backend' AND a.datname = current_database()"
                + " AND a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL"
                + " AND a.application_name IS DISTINCT FROM ?"
                + " AND a.xact_start < clock_timestamp() - make_interval(secs => ?)"
                + " ORDER BY a.xact_start";
        return query(sql, ps -> {
            ps.setString(1, applicationName);
            ps.setDouble(2, maxAge.toMillis() / 1000.0);
        });
    }

    /**
     * The migration's sessions that wait for a lock, one entry per session in their way
     * ({@code pg_blocking_pids()}: holders of a conflicting lock, and waiters queued ahead).
     */
    public synchronized List<LockWait> lockWaits() throws SQLException {
        String sql = "SELECT w.pid,"
                + " (SELECT l.mode FROM pg_locks l WHERE l.pid = w.pid AND NOT l.granted LIMIT 1),"
                + " (SELECT coalesce(l.relation::regclass::text, l.locktype) FROM pg_locks l"
                + "   WHERE l.pid = w.pid AND NOT l.granted LIMIT 1),"
                + " (extract(epoch FROM clock_timestamp() - w.query_start) * 1000)::bigint,"
                + " a.pid, a.usename, a.application_name, a.state,"
                + " coalesce((extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::bigint, -1), "
                + ONE_LINE_QUERY
                + " FROM pg_stat_activity w"
                + " CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS b(pid)"
                + " JOIN pg_stat_activity a ON a.pid = b.pid"
                + " WHERE w.application_name = ? AND w.wait_event_type = 'Lock'"
                + " ORDER BY w.pid, a.xact_start";
        List<LockWait> waits = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql)) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    waits.add(new LockWait(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            new SessionInfo(rs.getInt(5), rs.getString(6), rs.getString(7), rs.getString(8),
                                    rs.getLong(9), rs.getString(10))));
                }
            }
        } catch (SQLException e) {
            reset();
            throw e;
        }
        return waits;
    }

    /** How many sessions carry the migration's application name now. */
    public synchronized int sessionCount() throws SQLException {
        try (PreparedStatement ps = prepare("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            reset();
            throw e;
        }
    }

    /**
     * The migration's sessions that still hold a granted lock ({@code pg_locks}), with what they run.
     * Empty once they hold none or are gone: nothing of the migration can block the application then.
     */
    public synchronized List<HoldingSession> holdingLocks() throws SQLException {
        String sql = "SELECT a.pid, a.usename, a.application_name, a.state,"
                + " coalesce((extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::bigint, -1), "
                + ONE_LINE_QUERY + ", count(*)"
                + " FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.granted"
                + " WHERE a.application_name = ?"
                + " GROUP BY a.pid, a.usename, a.application_name, a.state, a.xact_start, a.query"
                + " ORDER BY a.pid";
        List<HoldingSession> holding = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql)) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    holding.add(new HoldingSession(new SessionInfo(rs.getInt(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getLong(5), rs.getString(6)), rs.getInt(7)));
                }
            }
        } catch (SQLException e) {
            reset();
            throw e;
        }
        return holding;
    }

    /**
     * Cancels the running statement of each of the migration's sessions ({@code pg_cancel_backend}): the
     * statement fails and its transaction rolls back, releasing its locks once the rollback is done.
     *
     * @return the pids a cancel was sent to
     */
    public synchronized List<Integer> cancelStatements() throws SQLException {
        // Two steps: in one statement the planner may call pg_cancel_backend before the filter has
        // narrowed the rows, cancelling sessions that are not the migration's (pausectl's own included).
        List<Integer> running = new ArrayList<>();
        try (PreparedStatement ps = prepare("SELECT a.pid FROM pg_stat_activity a WHERE a.application_name = ?"
                + " AND a.state IS DISTINCT FROM 'idle' AND a.pid <> pg_backend_pid()")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    running.add(rs.getInt(1));
                }
            }
        } catch (SQLException e) {
            reset();
            throw e;
        }
        List<Integer> cancelled = new ArrayList<>();
        for (int pid : running) {
            try (PreparedStatement ps = prepare("SELECT pg_cancel_backend(?)")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        cancelled.add(pid);
                    }
                }
            } catch (SQLException e) {
                reset();
                throw e;
            }
        }
        return cancelled;
    }

    /**
     * A session of the migration that holds granted locks.
     *
     * @param session what it is and runs
     * @param locks   how many granted locks it holds
     */
    public record HoldingSession(SessionInfo session, int locks) {
        public String describe() {
            return session.describe().replaceFirst("\\(", "(" + locks + " lock" + (locks == 1 ? "" : "s") + ", ");
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<SessionInfo> query(String sql, Binder binder) throws SQLException {
        List<SessionInfo> sessions = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sessions.add(new SessionInfo(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6)));
                }
            }
        } catch (SQLException e) {
            reset();
            throw e;
        }
        return sessions;
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        try {
            return connection().prepareStatement(sql);
        } catch (SQLException e) {
            reset();
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Properties props = new Properties();
            props.putAll(target.properties());
            props.setProperty("ApplicationName", OWN_NAME);
            props.putIfAbsent("connectTimeout", "5");
            props.putIfAbsent("socketTimeout", "10");
            props.putIfAbsent("options", "-c statement_timeout=5000 -c lock_timeout=2000");
            connection = DriverManager.getConnection(target.jdbcUrl(), props);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void reset() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // broken already: a new one is opened on the next call
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        reset();
    }
}
