package io.pausectl.proxy.gate;

import io.pausectl.api.Scope;

import java.time.Duration;
import java.util.Optional;

/**
 * A validated pause order, as the admin API hands it to the gate (not the CLI's {@code pause}
 * subcommand, {@code io.pausectl.cli.PauseCommand}).
 *
 * @param reason   why, free text (may be empty)
 * @param holder   who, free text (may be empty)
 * @param ttl      the lease's time to live; empty for the gate's max-pause
 * @param waitIdle how long the answer may wait for the gate to reach {@code paused}
 * @param scope    which requests to hold
 * @param leaseId  a lease the caller already holds: pausing again with it is not a conflict
 */
public record PauseOrder(String reason, String holder, Optional<Duration> ttl, Duration waitIdle, Scope scope,
                           Optional<String> leaseId) {
    public PauseOrder {
        reason = reason == null ? "" : reason;
        holder = holder == null ? "" : holder;
        scope = scope == null ? Scope.ALL : scope;
        if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative())) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        if (waitIdle.isNegative()) {
            throw new IllegalArgumentException("waitIdle must not be negative");
        }
    }
}
