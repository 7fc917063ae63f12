package io.pausectl.proxy.admin;

import java.time.Duration;

/**
 * What admin API connections may cost (see {@link AdminConnections} for the two budgets).
 *
 * @param requestTimeout             a request must arrive whole (head and body) within this from its
 *                                   first byte, or it is answered 408 and the connection closed
 * @param idleTimeout                a connection that has carried the token, with no request under
 *                                   way, is closed after this
 * @param unauthenticatedIdleTimeout a connection that has not (yet) carried the token, with no
 *                                   request under way, is closed after this
 * @param maxConnections             authenticated connections kept open at once; a request with the
 *                                   token past it is still served, then its connection closed
 * @param maxUnauthenticated         connections that have not carried the token, open at once; one
 *                                   more pushes out the oldest
 * @param maxBodyBytes               largest request body; a larger one is answered 413 and the
 *                                   connection closed
 */
public record AdminLimits(Duration requestTimeout, Duration idleTimeout, Duration unauthenticatedIdleTimeout,
                          int maxConnections, int maxUnauthenticated, int maxBodyBytes) {
    /** 10s per request, 60s idle (5s without the token), 64 authenticated and 16 other connections, 64 KiB bodies. */
    public static final AdminLimits DEFAULT = new AdminLimits(Duration.ofSeconds(10), Duration.ofSeconds(60),
            Duration.ofSeconds(5), 64, 16, 64 * 1024);

    public AdminLimits {
        for (Duration d : new Duration[] {requestTimeout, idleTimeout, unauthenticatedIdleTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("admin timeouts must be positive");
            }
        }
        if (maxConnections < 1 || maxUnauthenticated < 1 || maxBodyBytes < 0) {
            throw new IllegalArgumentException("admin limits must be positive");
        }
    }
}
