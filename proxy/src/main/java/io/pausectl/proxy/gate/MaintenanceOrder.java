package io.pausectl.proxy.gate;

import io.pausectl.api.Scope;

import java.time.Duration;
import java.util.Optional;

/**
 * A validated order to turn maintenance mode on (or to change and renew the one that is on), as the
 * admin API hands it to the gate.
 *
 * @param message    what clients are told, one line
 * @param retryAfter the {@code Retry-After} clients are given, whole seconds
 * @param ttl        how long it stays on unless renewed
 * @param holder     who, free text (may be empty)
 * @param scope      which requests it answers
 * @param leaseId    the maintenance the caller turned on: renewing it is not a conflict
 */
public record MaintenanceOrder(String message, Duration retryAfter, Duration ttl, String holder, Scope scope,
                               Optional<String> leaseId) {
    public MaintenanceOrder {
        holder = holder == null ? "" : holder;
        scope = scope == null ? Scope.ALL : scope;
        if (ttl.isZero() || ttl.isNegative() || retryAfter.isZero() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("maintenance ttl and retryAfter must be more than 0");
        }
    }
}
