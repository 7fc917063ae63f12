package io.pausectl.api;

/**
 * Totals since the proxy started. Every held request ends in exactly one of released, timedOut,
 * clientGone, shutdown, cancelled or maintenance; rejected counts requests refused at once because
 * the queue was full, and maintenanceAnswered those answered at once by maintenance mode (neither
 * was held).
 *
 * @param held          requests that were held
 * @param released      held requests released to the upstream
 * @param timedOut      held requests answered 503 after queue-timeout
 * @param rejected      requests answered 503 at once because the queue was full
 * @param clientGone    held requests whose client disconnected (never forwarded)
 * @param pausesResumed pauses ended by a resume
 * @param pausesExpired pauses ended by their lease expiring
 * @param shutdown      held requests answered 503 because the proxy shut down (never forwarded)
 * @param cancelled     held requests answered 503 by {@code POST /v1/held/cancel} (never forwarded)
 * @param maintenance   held requests answered 503 because maintenance mode was turned on over them (never
 *                      forwarded)
 * @param maintenanceAnswered requests answered 503 at once by maintenance mode (never held, never forwarded)
 */
public record Counters(
        long held,
        long released,
        long timedOut,
        long rejected,
        long clientGone,
        long pausesResumed,
        long pausesExpired,
        long shutdown,
        long cancelled,
        long maintenance,
        long maintenanceAnswered) {

    /** Totals without the operator's outcomes (the shape before maintenance mode and cancelling). */
    public Counters(long held, long released, long timedOut, long rejected, long clientGone,
                    long pausesResumed, long pausesExpired, long shutdown) {
        this(held, released, timedOut, rejected, clientGone, pausesResumed, pausesExpired, shutdown, 0, 0, 0);
    }

    /** Totals without shutdown refusals (the shape before {@code shutdown} was added). */
    public Counters(long held, long released, long timedOut, long rejected, long clientGone,
                    long pausesResumed, long pausesExpired) {
        this(held, released, timedOut, rejected, clientGone, pausesResumed, pausesExpired, 0, 0, 0, 0);
    }
}
