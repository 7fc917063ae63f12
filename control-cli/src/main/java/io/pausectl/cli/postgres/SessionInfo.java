package io.pausectl.cli.postgres;

/**
 * One server session as {@code pg_stat_activity} shows it.
 *
 * @param pid             the backend's process id
 * @param user            the role it is logged in as
 * @param applicationName its {@code application_name} (empty when unset)
 * @param state           {@code active}, {@code idle in transaction}, ...
 * @param xactAgeMs       how long its transaction has been open, in milliseconds; -1 when none is open
 * @param query           its current or last statement, cut to 200 characters, on one line
 */
public record SessionInfo(int pid, String user, String applicationName, String state, long xactAgeMs,
                          String query) {

    /** {@code pid 4242 (idle in transaction, transaction open 31.2s, app 'psql', user alice): UPDATE ...}. */
    public String describe() {
        StringBuilder s = new StringBuilder("pid ").append(pid).append(" (").append(state);
        if (xactAgeMs >= 0) {
            s.append(", transaction open ").append(Millis.format(xactAgeMs));
        }
        if (applicationName != null && !applicationName.isEmpty()) {
            s.append(", app '").append(applicationName).append('\'');
        }
        if (user != null) {
            s.append(", user ").append(user);
        }
        s.append(')');
        if (query != null && !query.isEmpty()) {
            s.append(": ").append(query);
        }
        return s.toString();
    }
}
