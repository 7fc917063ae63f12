package io.pausectl.proxy.gate;

import io.pausectl.api.AdminRequests;
import io.pausectl.api.Scope;
import io.pausectl.common.Durations;

import java.time.Duration;
import java.util.Optional;

/**
 * A validated pause order, as the admin API hands it to the gate (not the CLI's {@code pause}
 * subcommand, {@code io.pausectl.cli.PauseCommand}). The constructor throws
 * {@link IllegalArgumentException} when a duration is out of range, so that nothing out of range
 * reaches the gate.
 *
 * @param reason   why, free text (may be empty)
 * @param holder   who, free text (may be empty)
 * @param ttl      the lease's time to live, more than 0 and at most {@link AdminRequests#MAX_TTL}; empty for
 *                 the gate's max-pause
 * @param waitIdle how long the answer may wait for the gate to reach {@code paused}, 0 to
 *                 {@link AdminRequests#MAX_WAIT_IDLE}
 * @param scope    which requests to hold
 * @param leaseId  a lease the caller already holds: pausing again with it is not a conflict
 */
public record PauseOrder(String reason, String holder, Optional<Duration> ttl, Duration waitIdle, Scope scope,
                         Optional<String> leaseId) {
    public PauseOrder {
        reason = reason == null ? "" : reason;
        holder = holder == null ? "" : holder;
        scope = scope == null ? Scope.ALL : scope;
        // Checked here, before the gate acts on any of it (the gate's state must never change for
        // an order that then fails).
        if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative()
                || ttl.get().compareTo(AdminRequests.MAX_TTL) > 0)) {
            throw new IllegalArgumentException("'ttl': '" + Durations.format(ttl.get()) + "' is out of range (more"
                    + " than 0, at most " + Durations.format(AdminRequests.MAX_TTL) + ")");
        }
        if (waitIdle.isNegative() || waitIdle.compareTo(AdminRequests.MAX_WAIT_IDLE) > 0) {
            throw new IllegalArgumentException("'waitIdle' is out of range (0 to "
                    + Durations.format(AdminRequests.MAX_WAIT_IDLE) + ")");
        }
    }
}
