package io.pausectl.proxy.admin;

import java.time.Duration;

/**
 * What one admin API connection may cost.
 *
 * @param requestTimeout  a request must arrive whole (head and body) within this from its first
 *                        byte, or it is answered 408 and the connection closed
 * @param idleTimeout     a connection with no request under way is closed after this
 * @param maxConnections  admin connections open at once; one more is answered 503 and closed
 * @param maxBodyBytes    largest request body; a larger one is answered 413 and the connection closed
 */
public record AdminLimits(Duration requestTimeout, Duration idleTimeout, int maxConnections, int maxBodyBytes) {
    /** 10s per request, 60s idle, 64 connections, 64 KiB bodies. */
    public static final AdminLimits DEFAULT = new AdminLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 64,
            64 * 1024);

    public AdminLimits {
        if (requestTimeout.isNegative() || requestTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("admin timeouts must be positive");
        }
        if (maxConnections < 1 || maxBodyBytes < 0) {
            throw new IllegalArgumentException("admin limits must be positive");
        }
    }
}
