package io.pausectl.proxy.metrics;

import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;

/**
 * What the metrics read from the pause gate when scraped: a read-only view the gate offers, so the
 * metrics need nothing else of the gate (and the gate, which records into the metrics, is not
 * needed by them). Every reading is safe from any thread and cheap.
 */
public interface GateReadings {

    /** The gate's current state. */
    PauseState state();

    /** Requests held now. */
    int queueDepth();

    /** Bytes buffered for the requests held now. */
    long queuedBytes();

    /** Requests forwarded and not finished, in scope or not. */
    long inFlight();

    /** Outcome and pause totals since start. */
    Counters counters();

    /** The configured bound on requests held at once (max-queued). */
    int maxQueued();

    /** The configured bound on bytes buffered for held requests (max-queued-bytes). */
    long maxQueuedBytes();

    /** The configured queue timeout (queue-timeout), in seconds; NaN when unknown. */
    default double queueTimeoutSeconds() {
        return Double.NaN;
    }

    /** How long the oldest request held now has waited, in seconds, 0 when none; NaN when unknown. */
    default double oldestHoldSeconds() {
        return Double.NaN;
    }

    /** When the current pause began, in Unix seconds, 0 while running; NaN when unknown. */
    default double pauseStartedSeconds() {
        return Double.NaN;
    }

    /**
     * Drain slots given back because {@code drain-start-timeout} passed with no answer started (a
     * long-poll, a slow upload, an upstream thinking long), since start; 0 when unknown.
     */
    default long drainStartTimeouts() {
        return 0;
    }

    /** Whether maintenance mode is on. */
    default boolean maintenanceOn() {
        return false;
    }
}
