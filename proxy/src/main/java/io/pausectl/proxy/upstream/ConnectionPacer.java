package io.pausectl.proxy.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How many new connections to ONE upstream may be unproven at once, shared by every event loop's
 * pool. A new connection is <em>unproven</em> from its connect until the upstream's first response
 * byte on it, until the upstream's kernel acknowledged its request's first byte ({@code TCP_INFO},
 * io_uring and epoll only), or until {@link #PROOF_NANOS} passed without a retransmission: until then it may
 * still sit in the upstream's listen queue, not yet accepted by the application. A listen queue is
 * small ({@code python3 -m http.server} has 5; Linux drops a connection's SYN, or its handshake's
 * last ACK, once the queue is full), so a release that opened {@code --drain-concurrency} (256)
 * connections at once had requests stall until {@code --upstream-timeout} (504) or be reset after
 * they were sent (502: the proxy cannot tell an upstream that never accepted a request from one
 * that acted on it and then reset, so such a request is never sent again).
 *
 * <p>So new connections are paced as TCP paces segments (RFC 5681): a window of unproven
 * connections starts at {@link #INITIAL_WINDOW}, grows by one for each connection proven without a
 * retransmission that used more than half the window (slow start while the window is used; see
 * {@link #proven}), and halves on a sign that the upstream's
 * queue overflowed or that it is failing: a connection whose request had to be retransmitted
 * before it was proven or within {@link #PROOF_NANOS} (the upstream's kernel dropped the handshake's
 * last ACK, as it does on a full queue; with SYN cookies the connect itself succeeds; read from
 * {@code TCP_INFO} on the io_uring and epoll transports), a connect refused or timed out, a connect still
 * pending well after this
 * upstream's usual connect time ({@link #slowConnectNanos}: four times its smoothed connect time,
 * 10 ms at least, 700 ms at most; a dropped SYN is retransmitted only after 1 s, RFC 6298's initial
 * RTO, so a pending connect that late had its SYN dropped), or a new connection closed before any
 * response. After {@link #IDLE_RESTART_NANOS} with no new
 * connection the window starts again from {@link #INITIAL_WINDOW} (RFC 5681 §4.1's restart
 * window): a pause is such a gap, and the upstream may have been restarted during it. Requests that
 * find the window full wait in their pool, in order, bounded by their connect deadline; replayable
 * ones take a pooled connection as soon as one comes back. Reused connections are never counted:
 * they were proven.
 *
 * <p>Pacing makes an overflow rare, never impossible: it learns the queue's size by overflowing it.
 * What makes an overflow cost no request is {@link UpstreamExchange}'s {@code awaitAccept}: a
 * request with a body sends one byte on a new connection until the upstream's kernel acknowledged
 * it. (With the pacer alone, a release of 150 POSTs of 64 KiB into a queue of 5 still had 10 of
 * them reset in one run of six: SYN cookies, each reset matched by a failed cookie check.)
 *
 * <p>Thread-safe (a CAS per new connection); a freed slot wakes the pools with waiting requests on
 * their own event loops.
 */
final class ConnectionPacer {
    /** Unproven connections allowed at first and after an idle gap: below the smallest listen queue seen (5). */
    static final int INITIAL_WINDOW = 4;
    static final int MAX_WINDOW = 4096;
    static final long MIN_SLOW_CONNECT_NANOS = 10_000_000L;
    static final long MAX_SLOW_CONNECT_NANOS = 700_000_000L;
    /** An unproven connection stops counting after this long (a slow answer, a long poll): no sign either way. */
    static final long PROOF_NANOS = 1_000_000_000L;
    /** No new connection for this long: the next ones start from {@link #INITIAL_WINDOW} again. */
    static final long IDLE_RESTART_NANOS = 1_000_000_000L;

    private final LongSupplier clock;
    private final AtomicInteger unproven = new AtomicInteger();
    private final AtomicInteger window = new AtomicInteger(INITIAL_WINDOW);
    private volatile long lastStartNanos;
    private volatile List<UpstreamConnectionPool> pools = List.of();
    /** Smoothed time of a connect that was not slow (RFC 6298's SRTT, gain 1/8); 0 before the first. */
    private volatile long smoothedConnectNanos;

    ConnectionPacer() {
        this(System::nanoTime);
    }

    /** @param clock {@link System#nanoTime} or a test's own */
    ConnectionPacer(LongSupplier clock) {
        this.clock = clock;
        this.lastStartNanos = clock.getAsLong();
    }

    /** The pools to wake when a slot frees (set once, after they are built). */
    void pools(List<UpstreamConnectionPool> pools) {
        this.pools = List.copyOf(pools);
    }

    /**
     * Takes a slot for a new connection: returns how many are unproven with it (its slot's number,
     * from 1), or 0 when the window is full.
     */
    int tryStart() {
        long now = clock.getAsLong();
        if (now - lastStartNanos > IDLE_RESTART_NANOS && unproven.get() == 0) {
            int w = window.get();
            if (w > INITIAL_WINDOW) {
                window.compareAndSet(w, INITIAL_WINDOW);
            }
        }
        for (;;) {
            int u = unproven.get();
            if (u >= window.get()) {
                return 0;
            }
            if (unproven.compareAndSet(u, u + 1)) {
                lastStartNanos = now;
                return u + 1;
            }
        }
    }

    /**
     * A slot's connection was proven (its first response byte). With a retransmission the window
     * halves: the upstream's kernel dropped a packet of a new connection, which on loopback or a LAN
     * means its listen queue was full. (A proxy slowed down by its own loaded host sees late proofs
     * but no retransmissions, so its delays are not taken for the upstream's.) Without one the
     * window grows by one, but only for a connection that used more than half of it ({@code slot}
     * above half the window): the window never grows past twice the most unproven connections the
     * upstream was seen to take at once. This is Linux's rule for a window in slow start
     * ({@code tcp_is_cwnd_limited}; RFC 7661 keeps an application-limited sender's window from
     * growing the same way): a steady trickle of connections, one at a time, leaves the window
     * where it was, so the burst of a release that follows starts from what was proven, not from
     * the trickle's count; a burst that fills the window still doubles it each round trip.
     *
     * @param slot what {@link #tryStart} returned for this connection
     */
    void proven(boolean retransmitted, int slot) {
        if (retransmitted) {
            shrink();
        } else {
            window.getAndUpdate(w -> 2 * slot > w ? Math.min(MAX_WINDOW, w + 1) : w);
        }
        free();
    }

    /**
     * A slot's connection was not answered within {@link #PROOF_NANOS} (a slow answer, a long poll).
     * With a retransmission the window halves. Without one it counts as proven: its request went out
     * a whole second ago and nothing had to be sent again, so the upstream's kernel acknowledged it
     * and holds the connection (in its accept queue or accepted); a full queue would have dropped
     * it and made this side retransmit (RFC 6298's minimum RTO is below a second). Before, such a
     * slot only freed, so an upstream answering in a second or more never let the window grow: four
     * new connections a second, which under {@code --upstream-reuse safe} (every POST on a new
     * connection) capped its POSTs at four a second.
     *
     * @param slot what {@link #tryStart} returned for this connection
     */
    void expired(boolean retransmitted, int slot) {
        proven(retransmitted, slot);
    }

    /** A slot's connection failed before it was proven: the window halves. */
    void lost() {
        shrink();
        free();
    }

    /** A slot's connection was closed by the proxy itself before it was proven: no sign either way. */
    void forgotten() {
        free();
    }

    /** A connect that succeeded only after a retransmitted SYN: the window halves; the slot stays taken. */
    void shrink() {
        window.getAndUpdate(w -> Math.max(1, w / 2));
    }

    /**
     * How long a connect to this upstream may take before it counts as slow: four times the
     * smoothed connect time, within [10 ms, 700 ms].
     */
    long slowConnectNanos() {
        long s = smoothedConnectNanos;
        return s == 0 ? MAX_SLOW_CONNECT_NANOS
                : Math.max(MIN_SLOW_CONNECT_NANOS, Math.min(MAX_SLOW_CONNECT_NANOS, 4 * s));
    }

    /** A connect succeeded within {@link #slowConnectNanos}, taking {@code nanos}. */
    void connectTook(long nanos) {
        long s = smoothedConnectNanos;
        // Racy between loops, and harmless: a sample may be lost.
        smoothedConnectNanos = s == 0 ? Math.max(1, nanos) : Math.max(1, s + (nanos - s) / 8);
    }

    /** Unproven connections now (for tests). */
    int unproven() {
        return unproven.get();
    }

    /** The window now (for tests). */
    int window() {
        return window.get();
    }

    private void free() {
        unproven.decrementAndGet();
        List<UpstreamConnectionPool> ps = pools;
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).slotFreed();
        }
    }
}
