package io.pausectl.proxy.gate;

/** The gate's answer when a request head arrives. */
public enum Admission {
    /** Forward now. The request counts as in flight until {@link PauseGate#exit}. */
    FORWARD,
    /**
     * Held. The gate will later call exactly one of {@link GatedRequest#onRelease} or
     * {@link GatedRequest#onRefuse}, on the request's event loop, unless {@link PauseGate#abandon}
     * comes first.
     */
    HELD,
    /** Refused at once (queue full): answer 503 with {@code Retry-After}; never forwarded. */
    REJECTED,
    /**
     * Answered at once by maintenance mode: 503 with {@link GatedRequest#maintenanceNotice()}'s
     * message and {@code Retry-After}; never held, never forwarded.
     */
    MAINTENANCE
}
