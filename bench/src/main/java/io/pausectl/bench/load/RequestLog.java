package io.pausectl.bench.load;

/**
 * Each request of a run: when it was meant to be sent, when it was answered, and how. Times are
 * nanoseconds after the run's start. Written by the generator's event loops (each request by one
 * loop), read only once the run is complete.
 */
public final class RequestLog {
    /** Status of a request never answered. */
    public static final int NO_ANSWER = 0;
    /** Status of a request whose connection could not be opened. */
    public static final int CONNECT_FAILED = -1;
    /** Status of a request whose connection closed before its answer. */
    public static final int CLOSED_BEFORE_ANSWER = -2;
    /** Status of a request answered with another request's id. */
    public static final int WRONG_ID = -3;

    private final long[] intendedNanos;
    private final long[] doneNanos;
    private final int[] status;
    private final int[] heldMillis;

    RequestLog(int capacity) {
        intendedNanos = new long[capacity];
        doneNanos = new long[capacity];
        status = new int[capacity];
        heldMillis = new int[capacity];
        java.util.Arrays.fill(intendedNanos, -1);
        java.util.Arrays.fill(doneNanos, -1);
        java.util.Arrays.fill(heldMillis, -1);
    }

    void issued(int seq, long intendedOffsetNanos) {
        intendedNanos[seq] = intendedOffsetNanos;
    }

    void done(int seq, long doneOffsetNanos, int httpStatusOrCode, int heldMs) {
        doneNanos[seq] = doneOffsetNanos;
        status[seq] = httpStatusOrCode;
        heldMillis[seq] = heldMs;
    }

    public int capacity() {
        return status.length;
    }

    /** Whether request {@code seq} was issued at all. */
    public boolean wasIssued(int seq) {
        return intendedNanos[seq] >= 0;
    }

    public long intendedNanos(int seq) {
        return intendedNanos[seq];
    }

    /** When the answer (or the failure) came, or -1 when none came. */
    public long doneNanos(int seq) {
        return doneNanos[seq];
    }

    /** The HTTP status, or one of {@link #NO_ANSWER}, {@link #CONNECT_FAILED}, {@link #CLOSED_BEFORE_ANSWER}, {@link #WRONG_ID}. */
    public int status(int seq) {
        return status[seq];
    }

    /** What the proxy said it held the request ({@code Server-Timing: pause;dur=}), or -1 when not held. */
    public int heldMillis(int seq) {
        return heldMillis[seq];
    }

    public boolean ok(int seq) {
        return status[seq] >= 200 && status[seq] < 300;
    }
}
