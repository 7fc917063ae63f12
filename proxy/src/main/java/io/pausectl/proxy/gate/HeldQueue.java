package io.pausectl.proxy.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The held requests in arrival order: an intrusive doubly linked FIFO threaded through the
 * requests' own queue links ({@link GatedRequest#queuePrev}, {@link GatedRequest#queueNext},
 * {@link GatedRequest#queued}), so holding a request allocates nothing and taking one out from the
 * middle (its client left) costs O(1). Not thread-safe: only the gate's executor touches it.
 */
final class HeldQueue {
    private GatedRequest head;
    private GatedRequest tail;

    /** Appends {@code request}, which must not be in the queue. */
    void add(GatedRequest request) {
        request.queued = true;
        request.queuePrev = tail;
        request.queueNext = null;
        if (tail == null) {
            head = request;
        } else {
            tail.queueNext = request;
        }
        tail = request;
    }

    /**
     * Takes {@code request} out of the queue, wherever it is.
     *
     * @return false when it was not in the queue (already taken out, or never added)
     */
    boolean remove(GatedRequest request) {
        if (!request.queued) {
            return false;
        }
        request.queued = false;
        GatedRequest prev = request.queuePrev;
        GatedRequest next = request.queueNext;
        if (prev == null) {
            head = next;
        } else {
            prev.queueNext = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.queuePrev = prev;
        }
        request.queuePrev = null;
        request.queueNext = null;
        return true;
    }

    /** Takes out and returns the oldest request, or null when the queue is empty. */
    GatedRequest poll() {
        GatedRequest first = head;
        if (first == null) {
            return null;
        }
        first.queued = false;
        head = first.queueNext;
        if (head == null) {
            tail = null;
        } else {
            head.queuePrev = null;
        }
        first.queueNext = null;
        return first;
    }

    /** The oldest request, left in place, or null when the queue is empty. */
    GatedRequest peek() {
        return head;
    }

    boolean isEmpty() {
        return head == null;
    }

    /**
     * Takes out, in queue order, every request that {@code test} accepts and hands each to
     * {@code then} as soon as it is out; the others keep their order. {@code then} must not change
     * the queue.
     *
     * @return how many were taken out
     */
    int removeIf(Predicate<GatedRequest> test, Consumer<GatedRequest> then) {
        int n = 0;
        GatedRequest r = head;
        while (r != null) {
            GatedRequest next = r.queueNext;
            if (test.test(r)) {
                remove(r);
                then.accept(r);
                n++;
            }
            r = next;
        }
        return n;
    }

    /** The oldest {@code limit} requests (fewer when fewer are held), oldest first, left in place. O(limit). */
    List<GatedRequest> oldest(int limit) {
        List<GatedRequest> list = new ArrayList<>(Math.min(limit, 64));
        for (GatedRequest r = head; r != null && list.size() < limit; r = r.queueNext) {
            list.add(r);
        }
        return list;
    }

    /** The request whose {@link GatedRequest#heldId} is {@code heldId}, left in place, or null. O(held). */
    GatedRequest find(long heldId) {
        for (GatedRequest r = head; r != null; r = r.queueNext) {
            if (r.heldId == heldId) {
                return r;
            }
        }
        return null;
    }
}
