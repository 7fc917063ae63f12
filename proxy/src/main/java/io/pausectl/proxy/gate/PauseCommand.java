package io.pausectl.proxy.gate;

import io.pausectl.api.Scope;

import java.time.Duration;
import java.util.Optional;

/**
 * A validated pause order.
 *
 * @param reason   why, free text (may be empty)
 * @param holder   who, free text (may be empty)
 * @param ttl      the lease's time to live; empty for the gate's max-pause
 * @param waitIdle how long the answer may wait for the gate to reach {@code paused}
 * @param scope    which requests to hold
 * @param leaseId  a lease the caller already holds: pausing again with it is not a conflict
 */
public record PauseCommand(String reason, String holder, Optional<Duration> ttl, Duration waitIdle, Scope scope,
                           Optional<String> leaseId) {
    public PauseCommand {
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
