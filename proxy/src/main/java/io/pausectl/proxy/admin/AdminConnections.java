package io.pausectl.proxy.admin;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * The admin API's two connection budgets, so that callers without the token can never lock the
 * operator out (a pause that cannot be ended by hand until its lease runs out).
 * <ul>
 *   <li><b>Unauthenticated</b>: every connection starts here, until a request on it carries the
 *       token (or, with no token configured, until its first request). At most
 *       {@link AdminLimits#maxUnauthenticated()}; one more pushes out the oldest (closed at once,
 *       unanswered), so a newcomer, the operator included, is always let in and has its request
 *       read. Such a connection is closed after {@link AdminLimits#unauthenticatedIdleTimeout()}
 *       with no request under way, and after a 401.</li>
 *   <li><b>Authenticated</b>: at most {@link AdminLimits#maxConnections()} kept open; a request
 *       with the token is always served, past that cap with {@code Connection: close}.</li>
 * </ul>
 * With no token configured the admin API listens on loopback only (start-up refuses otherwise), so
 * only local processes reach it, and any of them may pause or resume anyway: the budgets then bound
 * what a faulty local client costs, not an attacker.
 *
 * <p>Touched only on the admin API's one event loop (every admin connection's).
 */
final class AdminConnections {
    private final AdminLimits limits;
    /** Oldest first. */
    private final LinkedHashSet<AdminConnectionGuard> unauthenticated = new LinkedHashSet<>();
    private int authenticated;

    AdminConnections(AdminLimits limits) {
        this.limits = limits;
    }

    /**
     * A new connection, unauthenticated; pushes out the oldest unauthenticated connection not being
     * answered when the budget is full.
     *
     * @return false when every unauthenticated connection is being answered: refuse this one
     */
    boolean opened(AdminConnectionGuard guard) {
        if (unauthenticated.size() >= limits.maxUnauthenticated()) {
            Iterator<AdminConnectionGuard> it = unauthenticated.iterator();
            AdminConnectionGuard oldest = null;
            while (it.hasNext()) {
                AdminConnectionGuard g = it.next();
                if (g.evictable()) {
                    oldest = g;
                    it.remove();
                    break;
                }
            }
            if (oldest == null) {
                return false;
            }
            oldest.evict();
        }
        unauthenticated.add(guard);
        return true;
    }

    /**
     * A request on this connection carried the token (or needs none).
     *
     * @return whether the connection may stay open after its answer
     */
    boolean authenticated(AdminConnectionGuard guard) {
        switch (guard.standing) {
            case AUTHENTICATED:
                return true;
            case OVER_CAP:
                return false;
            default:
                unauthenticated.remove(guard);
                if (authenticated >= limits.maxConnections()) {
                    guard.standing = AdminConnectionGuard.Standing.OVER_CAP;
                    return false;
                }
                authenticated++;
                guard.standing = AdminConnectionGuard.Standing.AUTHENTICATED;
                return true;
        }
    }

    /** The connection closed: its place is free. */
    void closed(AdminConnectionGuard guard) {
        if (guard.standing == AdminConnectionGuard.Standing.AUTHENTICATED) {
            authenticated--;
        } else {
            unauthenticated.remove(guard);
        }
        guard.standing = AdminConnectionGuard.Standing.GONE;
    }
}
