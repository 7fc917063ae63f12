package io.pausectl.proxy.gate;

import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;

import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;

/**
 * The requests in flight (forwarded and not yet finished), kept per event loop so that the hot
 * path never crosses threads: each loop has its own {@link Loop}, an intrusive list threaded
 * through the requests' in-flight links that only that loop touches. Entering and leaving cost a
 * few field writes, no lock, no allocation.
 *
 * <p>A loop's list is created the first time the loop asks for it and is never removed. The set of
 * lists is published through one volatile array (copy on write, under a lock taken only when a new
 * loop first appears), so whoever reads {@link #loops()} after a loop's list was published sees it.
 */
final class InFlightRegistry {
    private volatile Loop[] loops = new Loop[0];
    private final Object growLock = new Object();

    /** The list of {@code loop}, created on first use. Safe from any thread. */
    Loop of(EventLoop loop) {
        Loop[] current = loops;
        for (Loop l : current) {
            if (l.loop == loop) {
                return l;
            }
        }
        return grow(loop);
    }

    private Loop grow(EventLoop loop) {
        synchronized (growLock) {
            Loop[] current = loops;
            for (Loop l : current) {
                if (l.loop == loop) {
                    return l;
                }
            }
            Loop created = new Loop(loop);
            Loop[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = created;
            loops = grown;
            return created;
        }
    }

    /** Every loop's list published so far (a snapshot; do not modify). */
    Loop[] loops() {
        return loops;
    }

    /** Requests in flight on every loop; a racy sum, exact when the loops are quiet. Any thread. */
    long size() {
        long n = 0;
        for (Loop l : loops) {
            n += l.size;
        }
        return n;
    }

    /**
     * Padding before a loop's list fields: every request on a loop writes them, so two loops'
     * lists must not share a cache line (superclass fields are laid out first).
     */
    abstract static class LoopLeftPad {
        long p01;
        long p02;
        long p03;
        long p04;
        long p05;
        long p06;
        long p07;
    }

    /** A loop's list fields, between the paddings. */
    abstract static class LoopFields extends LoopLeftPad {
        final EventLoop loop;
        GatedRequest head;
        volatile int size;

        LoopFields(EventLoop loop) {
            this.loop = loop;
        }
    }

    /** The requests in flight on one event loop; touched only on that loop ({@link #size} read anywhere). */
    static final class Loop extends LoopFields {
        private static final AtomicIntegerFieldUpdater<LoopFields> SIZE =
                AtomicIntegerFieldUpdater.newUpdater(LoopFields.class, "size");

        // Padding after the fields (see LoopLeftPad).
        long p11;
        long p12;
        long p13;
        long p14;
        long p15;
        long p16;
        long p17;

        /**
         * Requests the gate's executor released to this loop, not yet settled here (the executor
         * offers, this loop takes: {@code QueueingPauseGate.handToLoop}).
         */
        final Queue<GatedRequest> released = PlatformDependent.newMpscQueue();
        /** Whether a task to take {@link #released} is due on this loop. */
        final AtomicBoolean settleScheduled = new AtomicBoolean();
        /** That task, made once; the gate's executor only. */
        Runnable settleReleased;
        /**
         * Whether a task is due on this loop to tell the gate's executor of the drain slots given
         * back here ({@code QueueingPauseGate.giveBackLater}); this loop only.
         */
        boolean giveBackDue;
        /** That task, made once; this loop only. */
        Runnable tellGivenBack;

        Loop(EventLoop loop) {
            super(loop);
        }

        /** The event loop this list belongs to. */
        EventLoop eventLoop() {
            return loop;
        }

        /** Requests in flight on this loop. Any thread. */
        int size() {
            return size;
        }

        /** Adds {@code r}, which must not be in any list. On this loop. */
        void add(GatedRequest r) {
            r.registry = this;
            r.inFlightPrev = null;
            r.inFlightNext = head;
            if (head != null) {
                head.inFlightPrev = r;
            }
            head = r;
            SIZE.lazySet(this, size + 1);
        }

        /** Removes {@code r}, which must be in this list. On this loop. */
        void remove(GatedRequest r) {
            GatedRequest prev = r.inFlightPrev;
            GatedRequest next = r.inFlightNext;
            if (prev == null) {
                head = next;
            } else {
                prev.inFlightNext = next;
            }
            if (next != null) {
                next.inFlightPrev = prev;
            }
            r.inFlightPrev = null;
            r.inFlightNext = null;
            r.registry = null;
            SIZE.lazySet(this, size - 1);
        }

        /** Visits every request in this list, newest first; {@code action} must not change the list. On this loop. */
        void forEach(Consumer<GatedRequest> action) {
            for (GatedRequest r = head; r != null; r = r.inFlightNext) {
                action.accept(r);
            }
        }
    }
}
