package io.pausectl.cli.postgres;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The database side of one {@code pausectl run} window: the pre-flight check before pausing, the
 * lock waits seen while the migration runs, and the wait, once the command has exited, until the
 * migration's sessions hold no lock (cancelling their statements first when the run was
 * interrupted), since a command that has exited may leave its server-side work still running or
 * rolling back, holding its locks, for seconds.
 *
 * <p>Thread use: {@link #pollLockWaits} runs on a timer while {@link #liveText} is read by the status
 * line; the rest runs on the window's own thread.
 */
public final class DatabaseWindow implements AutoCloseable {
    private static final long POLL_MS = 100;
    private static final int LIVE_QUERY_CHARS = 60;

    private final MigrationWatch watch;
    private final Map<Integer, LockWait> blockersSeen = new LinkedHashMap<>();
    private volatile List<LockWait> current = List.of();
    private volatile String pollError;
    private volatile Release release;
    private volatile boolean sessionSeen;
    /** A command that ran this long without a session seen was most likely not found by its name. */
    private static final long UNSEEN_WARNING_MS = 2000;

    public DatabaseWindow(MigrationWatch watch) {
        this.watch = watch;
    }

    /** A fresh application name for a run's sessions: {@code pausectl-run-} and 8 hex digits. */
    public static String newApplicationName() {
        byte[] bytes = new byte[4];
        new SecureRandom().nextBytes(bytes);
        return "pausectl-run-" + HexFormat.of().formatHex(bytes);
    }

    public MigrationWatch watch() {
        return watch;
    }

    /**
     * Connects, and lists the transactions older than {@code maxAge} ({@link MigrationWatch#oldTransactions}).
     *
     * @throws SQLException when the server cannot be reached or asked
     */
    public List<SessionInfo> preflight(Duration maxAge) throws SQLException {
        watch.check();
        return maxAge.isZero() ? List.of() : watch.oldTransactions(maxAge);
    }

    /**
     * Reads the migration's lock waits now; tells {@code say} about each blocker not seen before.
     * An error is kept for the live line and said once, never thrown: a window goes on without it.
     */
    public void pollLockWaits(Consumer<String> say) {
        List<LockWait> waits;
        try {
            waits = watch.lockWaits();
        } catch (SQLException e) {
            if (pollError == null) {
                say.accept("WARNING: cannot read the migration's lock waits from PostgreSQL: " + e.getMessage());
            }
            pollError = e.getMessage();
            return;
        }
        pollError = null;
        current = List.copyOf(waits);
        if (!sessionSeen) {
            try {
                sessionSeen = !waits.isEmpty() || watch.sessionCount() > 0;
            } catch (SQLException e) {
                // the next poll asks again
            }
        }
        List<LockWait> fresh = new ArrayList<>();
        synchronized (blockersSeen) {
            for (LockWait w : waits) {
                if (blockersSeen.put(w.blocker().pid(), w) == null) {
                    fresh.add(w);
                }
            }
        }
        for (LockWait w : fresh) {
            say.accept("the migration is WAITING FOR A LOCK: " + w.describe());
        }
    }

    /**
     * The lock-wait piece of the live status line: empty when the migration waits for nothing, else e.g.
     * {@code LOCK WAIT 4.2s: pid 34 idle in transaction, xact 31.2s: UPDATE items SET...}.
     */
    public String liveText() {
        List<LockWait> waits = current;
        if (waits.isEmpty()) {
            return pollError == null ? "" : "db: unreadable";
        }
        LockWait w = waits.get(0);
        SessionInfo b = w.blocker();
        String query = b.query() == null ? "" : b.query();
        if (query.length() > LIVE_QUERY_CHARS) {
            query = query.substring(0, LIVE_QUERY_CHARS) + "...";
        }
        return "LOCK WAIT " + Millis.format(w.waitedMs()) + ": blocked by pid " + b.pid() + " " + b.state()
                + (b.xactAgeMs() >= 0 ? ", xact " + Millis.format(b.xactAgeMs()) : "")
                + (query.isEmpty() ? "" : ": " + query)
                + (waits.size() > 1 ? " (+" + (waits.size() - 1) + " more)" : "");
    }

    /**
     * After the command has exited: waits until the migration's sessions hold no lock, or are gone.
     *
     * @param cancel       send {@code pg_cancel_backend} to the sessions still running a statement (the run was
     *                     interrupted), then wait for their rollback
     * @param deadlineNanos give up at this {@link System#nanoTime()} (the window's {@code --max-pause})
     * @param stop         true when waiting is pointless (traffic already resumed by {@code --max-pause})
     * @param say          where progress is told
     * @return what happened, also kept for the summary
     */
    public Release awaitRelease(boolean cancel, long deadlineNanos, BooleanSupplier stop, Consumer<String> say) {
        return awaitRelease(cancel, deadlineNanos, stop, say, 0);
    }

    /**
     * As {@link #awaitRelease(boolean, long, BooleanSupplier, Consumer)}; {@code commandRanMs} (how long the
     * command ran) decides whether to warn that none of its sessions was ever seen under their name.
     */
    public Release awaitRelease(boolean cancel, long deadlineNanos, BooleanSupplier stop, Consumer<String> say,
                                long commandRanMs) {
        if (!sessionSeen && commandRanMs >= UNSEEN_WARNING_MS) {
            say.accept("WARNING: no database session named " + watch.applicationName() + " was seen while the command"
                    + " ran: pausectl cannot see its locks. libpq tools take PGAPPNAME; JDBC tools need"
                    + " ApplicationName=$PAUSECTL_APPLICATION_NAME in their URL; check that the tool's configuration"
                    + " does not set its own application_name");
        }
        long start = System.nanoTime();
        List<Integer> cancelled = List.of();
        boolean told = false;
        List<MigrationWatch.HoldingSession> holding = List.of();
        String error = null;
        while (true) {
            try {
                holding = watch.holdingLocks();
                error = null;
            } catch (SQLException e) {
                if (error == null) {
                    say.accept("WARNING: cannot ask PostgreSQL whether the migration's locks are released: "
                            + e.getMessage() + " (retrying until --max-pause)");
                }
                error = e.getMessage();
            }
            if (error == null && holding.isEmpty()) {
                long waited = elapsedMs(start);
                if (told) {
                    say.accept("the migration's sessions hold no lock any more (after " + Millis.format(waited)
                            + "): resuming traffic");
                }
                return keep(new Release(told ? waited : 0, cancelled, false, List.of(), null));
            }
            if (error == null && cancel && cancelled.isEmpty()) {
                try {
                    cancelled = watch.cancelStatements();
                    if (!cancelled.isEmpty()) {
                        say.accept("cancelling the migration's running statement(s) (pg_cancel_backend, pid "
                                + cancelled.stream().map(String::valueOf).collect(Collectors.joining(", "))
                                + "); traffic resumes once their rollback has released the locks");
                    }
                } catch (SQLException e) {
                    say.accept("WARNING: could not cancel the migration's statements: " + e.getMessage());
                }
                cancel = false;
            }
            if (error == null && !told) {
                told = true;
                say.accept("the command has exited but its database session(s) still hold locks; waiting for them"
                        + " before resuming traffic:");
                holding.forEach(h -> say.accept("  " + h.describe()));
            }
            if (stop.getAsBoolean() || System.nanoTime() - deadlineNanos >= 0) {
                return keep(new Release(elapsedMs(start), cancelled, true, holding, error));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return keep(new Release(elapsedMs(start), cancelled, true, holding, "interrupted"));
            }
        }
    }

    private Release keep(Release r) {
        release = r;
        return r;
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** What the window saw, for the summary. */
    public Summary summary() {
        List<LockWait> waits;
        synchronized (blockersSeen) {
            waits = List.copyOf(blockersSeen.values());
        }
        Release r = release;
        return new Summary(watch.applicationName(), sessionSeen, waits, r == null ? 0 : r.waitedMs(),
                r == null ? List.of() : r.cancelledPids(), r != null && r.gaveUp(),
                r == null ? List.of() : r.stillHolding().stream().map(MigrationWatch.HoldingSession::describe)
                        .collect(Collectors.toList()));
    }

    @Override
    public void close() {
        watch.close();
    }

    /**
     * The end of {@link #awaitRelease}.
     *
     * @param waitedMs      how long pausectl waited after the command exited for the migration's locks, in
     *                      milliseconds (0 when they held none by then)
     * @param cancelledPids sessions whose statement was cancelled
     * @param gaveUp        the wait ended without the locks released ({@code --max-pause}, or the server unreadable)
     * @param stillHolding  the sessions still holding locks when it gave up
     * @param error         the last error asking the server, if that is why
     */
    public record Release(long waitedMs, List<Integer> cancelledPids, boolean gaveUp,
                          List<MigrationWatch.HoldingSession> stillHolding, String error) {
    }

    /**
     * The database part of a window's summary (JSON with {@code -o json}).
     *
     * @param applicationName    the migration's sessions' {@code application_name}
     * @param sessionSeen        whether a session of that name was seen while the command ran
     * @param lockWaits          each session that blocked the migration, as last seen
     * @param releaseWaitMs      how long traffic stayed paused after the command exited, for the locks
     * @param cancelledPids      the migration's sessions whose statement was cancelled
     * @param locksStillHeld     traffic resumed while the migration's sessions still held locks
     * @param stillHolding       those sessions, described
     */
    public record Summary(String applicationName, boolean sessionSeen, List<LockWait> lockWaits, long releaseWaitMs,
                          List<Integer> cancelledPids, boolean locksStillHeld, List<String> stillHolding) {

        /** The summary's lines for a person. */
        public List<String> textLines() {
            List<String> lines = new ArrayList<>();
            if (lockWaits.isEmpty()) {
                lines.add("database: the migration (application_name " + applicationName + ") waited for no lock");
            } else {
                lines.add("database: the migration (application_name " + applicationName + ") WAITED FOR LOCKS held by:");
                lockWaits.forEach(w -> lines.add("  " + w.describe()));
            }
            if (!cancelledPids.isEmpty()) {
                lines.add("database: cancelled the migration's statements (pid " + cancelledPids.stream()
                        .map(String::valueOf).collect(Collectors.joining(", ")) + ")");
            }
            if (releaseWaitMs > 0 || locksStillHeld) {
                lines.add(locksStillHeld
                        ? "database: traffic resumed while the migration's sessions STILL HELD LOCKS"
                        : "database: traffic stayed paused " + Millis.format(releaseWaitMs)
                        + " after the command exited, until its sessions released their locks");
            }
            return lines;
        }
    }
}
