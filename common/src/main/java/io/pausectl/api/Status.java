package io.pausectl.api;

import java.time.Instant;

/**
 * The admin API's status object: the answer to {@code GET /v1/status}, {@code POST /v1/pause},
 * {@code POST /v1/pause/renew} and {@code POST /v1/resume}.
 *
 * @param state           the gate's state
 * @param queueDepth      requests held now
 * @param queuedBytes     bytes buffered for the requests held now
 * @param inFlight        requests forwarded and not yet finished, in scope or not
 * @param inFlightInScope of those, the ones a pause waits for (0 while running)
 * @param oldestHeldMs    how long the oldest request held now has waited, 0 when none is held
 * @param lease           the lease that holds the pause, or null
 * @param pausedSince     when the current pause began (state left running), or null
 * @param maxQueueDepth   the deepest the queue has been since the current (or last) pause began
 * @param counters        totals since the process started
 * @param limits          the proxy's limits, or null from a target that does not say them (HAProxy, an
 *                        older proxy)
 * @param maintenance     maintenance mode while it is on, else null
 */
public record Status(
        PauseState state,
        int queueDepth,
        long queuedBytes,
        long inFlight,
        long inFlightInScope,
        long oldestHeldMs,
        Lease lease,
        Instant pausedSince,
        int maxQueueDepth,
        Counters counters,
        Limits limits,
        Maintenance maintenance) {

    /** A status without limits. */
    public Status(PauseState state, int queueDepth, long queuedBytes, long inFlight, long inFlightInScope,
                  long oldestHeldMs, Lease lease, Instant pausedSince, int maxQueueDepth, Counters counters) {
        this(state, queueDepth, queuedBytes, inFlight, inFlightInScope, oldestHeldMs, lease, pausedSince,
                maxQueueDepth, counters, null, null);
    }

    /** A status with limits, without maintenance mode. */
    public Status(PauseState state, int queueDepth, long queuedBytes, long inFlight, long inFlightInScope,
                  long oldestHeldMs, Lease lease, Instant pausedSince, int maxQueueDepth, Counters counters,
                  Limits limits) {
        this(state, queueDepth, queuedBytes, inFlight, inFlightInScope, oldestHeldMs, lease, pausedSince,
                maxQueueDepth, counters, limits, null);
    }

    /** This status with maintenance mode as given (null: off). */
    public Status withMaintenance(Maintenance maintenance) {
        return new Status(state, queueDepth, queuedBytes, inFlight, inFlightInScope, oldestHeldMs, lease,
                pausedSince, maxQueueDepth, counters, limits, maintenance);
    }

    /** This status with the proxy's limits. */
    public Status withLimits(Limits limits) {
        return new Status(state, queueDepth, queuedBytes, inFlight, inFlightInScope, oldestHeldMs, lease,
                pausedSince, maxQueueDepth, counters, limits, maintenance);
    }
}
