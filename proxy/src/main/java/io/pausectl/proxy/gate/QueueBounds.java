package io.pausectl.proxy.gate;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue's two bounds, {@code max-queued} requests and {@code max-queued-bytes} of buffered data:
 * a request's share is reserved on its event loop when it is held, before it reaches the gate's
 * executor, and freed when its outcome is settled. Lock-free, safe from any thread; a reservation
 * that would pass either bound takes nothing.
 */
final class QueueBounds {
    private final int maxCount;
    private final long maxBytes;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    QueueBounds(int maxCount, long maxBytes) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    /**
     * Reserves one request of {@code requestBytes} buffered bytes.
     *
     * @return false, reserving nothing, when either bound would be passed
     */
    boolean tryReserve(int requestBytes) {
        if (count.incrementAndGet() > maxCount) {
            count.decrementAndGet();
            return false;
        }
        if (bytes.addAndGet(requestBytes) > maxBytes) {
            bytes.addAndGet(-requestBytes);
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Frees what {@link #tryReserve} reserved for one request of {@code requestBytes}. */
    void free(int requestBytes) {
        bytes.addAndGet(-requestBytes);
        count.decrementAndGet();
    }

    /** Requests reserved now. */
    int count() {
        return count.get();
    }

    /** Bytes reserved now. */
    long bytes() {
        return bytes.get();
    }
}
