package io.pausectl.cli.postgres;

/**
 * A session of the migration waiting for a lock that another session holds (or waits for ahead of
 * it), from {@code pg_locks} and {@code pg_blocking_pids()}.
 *
 * @param waiterPid the migration's waiting backend
 * @param lockMode  the lock it asks for, e.g. {@code AccessExclusiveLock}
 * @param relation  the table (or other relation) it is for, when the lock is on one; else the lock type
 * @param waitedMs  how long its statement has been running, in milliseconds
 * @param blocker   the session in its way
 */
public record LockWait(int waiterPid, String lockMode, String relation, long waitedMs, SessionInfo blocker) {

    /**
     * One line: {@code pid 12 waits 4.2s for AccessExclusiveLock on items, blocked by pid 34 (idle in
     * transaction, transaction open 31.2s, app 'psql', user alice): UPDATE items ...}.
     */
    public String describe() {
        return "pid " + waiterPid + " waits " + Millis.format(waitedMs) + " for " + lockMode
                + (relation == null ? "" : " on " + relation) + ", blocked by " + blocker.describe();
    }
}
