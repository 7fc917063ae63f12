package io.pausectl.proxy.gate;

/**
 * Where a request stands with respect to holding. A request is {@link #HELD} from the moment the
 * gate admits it to its queue until exactly one of the four outcomes is settled on the request's
 * event loop; a request the gate forwarded at once stays {@link #NOT_HELD}. Written only on the
 * request's event loop (the gate's executor decides, the loop settles).
 */
enum HoldState {
    /** Never held: forwarded at once, refused at once, or not yet seen by the gate. */
    NOT_HELD,
    /** In the gate's queue (or on its way there), waiting for the pause to end. */
    HELD,
    /** Released by the gate and forwarded. */
    RELEASED,
    /** Held longer than queue-timeout and answered 503. */
    TIMED_OUT,
    /** The client went away while held; dropped, never forwarded. */
    CLIENT_GONE,
    /** Answered 503 because the proxy shut down while it was held; never forwarded. */
    SHUTDOWN,
    /** Cancelled by an operator and answered 503; never forwarded. */
    CANCELLED,
    /** Answered 503 by maintenance mode turned on while it was held; never forwarded. */
    MAINTENANCE;

    /** The outcome of a hold that the gate answered 503 for {@code why}. */
    static HoldState refusedBy(Refusal why) {
        return switch (why) {
            case TIMED_OUT -> TIMED_OUT;
            case SHUTDOWN -> SHUTDOWN;
            case CANCELLED -> CANCELLED;
            case MAINTENANCE -> MAINTENANCE;
        };
    }
}
