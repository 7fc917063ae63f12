package io.pausectl.proxy.gate;

import io.pausectl.api.Counters;

import java.util.concurrent.atomic.LongAdder;

/**
 * The gate's outcome accounting: how many requests were held and how each hold ended, how many were
 * refused at once (queue full, or answered by maintenance mode), and how pauses ended. Every count
 * only grows. Holds are counted on the request's event loop, where their outcome is settled; pauses
 * on the gate's executor; {@link #counters} may be read from any thread.
 */
final class HoldOutcomes {
    private final LongAdder held = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder clientGone = new LongAdder();
    private final LongAdder shutdown = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder maintenance = new LongAdder();
    private final LongAdder maintenanceAnswered = new LongAdder();
    private final LongAdder pausesResumed = new LongAdder();
    private final LongAdder pausesExpired = new LongAdder();

    /** A request was admitted to the queue. */
    void held() {
        held.increment();
    }

    /** A request was answered 503 at once: the queue was full, or the gate is shutting down. */
    void rejected() {
        rejected.increment();
    }

    /** A request was answered 503 at once by maintenance mode (never held). */
    void maintenanceAnswered() {
        maintenanceAnswered.increment();
    }

    /**
     * A hold ended in {@code end}.
     *
     * @throws IllegalArgumentException for {@link HoldState#NOT_HELD} or {@link HoldState#HELD},
     *                                  which are not outcomes
     */
    void ended(HoldState end) {
        switch (end) {
            case RELEASED -> released.increment();
            case TIMED_OUT -> timedOut.increment();
            case CLIENT_GONE -> clientGone.increment();
            case SHUTDOWN -> shutdown.increment();
            case CANCELLED -> cancelled.increment();
            case MAINTENANCE -> maintenance.increment();
            default -> throw new IllegalArgumentException(end + " is not the end of a hold");
        }
    }

    /** A pause ended: resumed by its holder or by force, or its lease expired. */
    void pauseEnded(boolean resumed) {
        (resumed ? pausesResumed : pausesExpired).increment();
    }

    /** The totals, as the admin API and the metrics show them. */
    Counters counters() {
        return new Counters(held.sum(), released.sum(), timedOut.sum(), rejected.sum(), clientGone.sum(),
                pausesResumed.sum(), pausesExpired.sum(), shutdown.sum(), cancelled.sum(), maintenance.sum(),
                maintenanceAnswered.sum());
    }
}
