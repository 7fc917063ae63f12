package io.pausectl.bench.upstream;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sample upstream saw of one load run: how many times each request id reached it. A run's
 * ids are {@code <runId>-<seq>} with {@code seq} from 0 to {@code capacity - 1}; this is the ground
 * truth against which a scenario finds requests forwarded more than once. Thread-safe: the
 * upstream's event loops record, the scenario reads.
 */
public final class IdLedger {
    private final String runId;
    private final AtomicIntegerArray timesSeen;
    private final AtomicLong outOfRange = new AtomicLong();
    private final AtomicLong total = new AtomicLong();

    IdLedger(String runId, int capacity) {
        this.runId = runId;
        this.timesSeen = new AtomicIntegerArray(capacity);
    }

    public String runId() {
        return runId;
    }

    void record(long seq) {
        total.incrementAndGet();
        if (seq < 0 || seq >= timesSeen.length()) {
            outOfRange.incrementAndGet();
            return;
        }
        timesSeen.incrementAndGet((int) seq);
    }

    /** How many times request {@code seq} reached the upstream. */
    public int timesSeen(int seq) {
        return timesSeen.get(seq);
    }

    /** Requests of this run that reached the upstream more than once (each counted once). */
    public int duplicated() {
        int n = 0;
        for (int i = 0; i < timesSeen.length(); i++) {
            if (timesSeen.get(i) > 1) {
                n++;
            }
        }
        return n;
    }

    /** How many times each request reached the upstream so far, indexed by sequence number. */
    public int[] snapshot() {
        int[] copy = new int[timesSeen.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = timesSeen.get(i);
        }
        return copy;
    }

    /** Distinct requests of this run that reached the upstream. */
    public int distinctSeen() {
        int n = 0;
        for (int i = 0; i < timesSeen.length(); i++) {
            if (timesSeen.get(i) > 0) {
                n++;
            }
        }
        return n;
    }

    /** Every arrival of this run's ids, repeats included. */
    public long arrivals() {
        return total.get();
    }

    /** Arrivals carrying this run's id with a sequence number the run never issued. */
    public long outOfRange() {
        return outOfRange.get();
    }
}
