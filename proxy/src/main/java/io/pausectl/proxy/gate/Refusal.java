package io.pausectl.proxy.gate;

/** Why the gate answers a held request 503 instead of releasing it. */
public enum Refusal {
    /** Held longer than queue-timeout. */
    TIMED_OUT,
    /**
     * The proxy is shutting down while the request is held. It was never forwarded, so the 503
     * (with {@code Retry-After} and {@code Connection: close}) is safe to retry elsewhere.
     */
    SHUTDOWN,
    /** An operator cancelled it ({@code POST /v1/held/cancel}); never forwarded, safe to retry. */
    CANCELLED,
    /**
     * Maintenance mode was turned on over it: answered with {@link GatedRequest#maintenanceNotice()};
     * never forwarded.
     */
    MAINTENANCE
}
