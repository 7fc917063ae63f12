package io.pausectl.proxy.upstream;

import io.pausectl.proxy.config.UpstreamReuse;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The upstream connections of ONE event loop: its idle connections, the round-robin cursor over
 * the upstreams and which of them refused a connection lately. {@link #acquire} is the one way to
 * get a connection (as Netty's {@code FixedChannelPool.acquire(Promise)} and Zuul's
 * {@code PerServerConnectionPool}): it picks the upstream, reuses an idle connection or opens one,
 * and moves on to the next upstream when a connect fails. Connections are opened on this loop, so a
 * client and the upstream connection serving it share a thread and never hand data across
 * threads. Only touched from its event loop: no locks.
 *
 * <p>A connection comes back only at a clean message boundary (its exchange vouches for it) and is
 * checked to still be open when taken out. Idle connections are taken most-recently-used first
 * (the warmest); beyond {@link #maxIdlePerTarget} idle ones per upstream, a returned connection is
 * closed. One idle longer than {@code --upstream-idle-timeout} is closed, never handed out: every
 * application server closes idle keep-alive connections after its own timeout (gunicorn 2 s, Node
 * and Apache 5 s), and a pause is exactly the idle gap that lets it fire; a request written as the
 * upstream closes is lost. Closing first, on the proxy's side, leaves no such race (as HAProxy's
 * {@code pool-purge-delay} and Go's {@code IdleConnTimeout}). One timer per pool sweeps them.
 *
 * <p>Even a connection idle a moment may be closing: an origin may close an idle connection at any
 * time (RFC 9112 §9.6), some right after a response (a cap on idle connections, as the JDK
 * {@code HttpServer}'s). Which requests may take one at all is the exchange's call
 * ({@link UpstreamReuse}); it asks for a fresh connection otherwise.
 *
 * <p>When every upstream refuses, {@link #acquire} keeps trying, with a growing pause between
 * rounds, until the request's deadline: nothing was sent, so waiting for the upstream to come back
 * is safe for every method.
 *
 * <p>New connections are paced per upstream ({@link ConnectionPacer}, shared by every loop's pool):
 * an upstream's listen queue may be as small as 5, and a release must not open hundreds of
 * connections into it at once. A request that finds the window full waits here, first come first
 * served, until a slot frees (then this pool's loop is woken) or, when it may reuse one, until a
 * pooled connection comes back; its deadline bounds the wait.
 */
public final class UpstreamConnectionPool {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnectionPool.class);

    /** How long an upstream that refused a connection is left out of the rotation. */
    public static final long DOWN_NANOS = 2_000_000_000L;
    /** The pause after the first round of refused connects; it doubles up to {@link #MAX_BACKOFF_NANOS}. */
    static final long FIRST_BACKOFF_NANOS = 50_000_000L;
    static final long MAX_BACKOFF_NANOS = 500_000_000L;

    private final EventLoop eventLoop;
    private final BatchedFlush batchedFlush;
    private final Bootstrap bootstrap;
    private final List<UpstreamTarget> targets;
    private final ProxyMetrics metrics;
    private final ArrayDeque<UpstreamConnection>[] idle;
    private final int maxIdlePerTarget;
    private final long idleTimeoutNanos;
    private final UpstreamReuse reuse;
    private final Runnable sweepTask = this::sweep;
    /** The one timer closing connections idle too long; null when none is scheduled. */
    private io.netty.util.concurrent.ScheduledFuture<?> sweepTimer;
    private final long[] downUntilNanos;
    private int downCount;
    private int next;
    /** One per upstream, shared with the other loops' pools. */
    private final ConnectionPacer[] pacers;
    /** Requests waiting for a slot to open a connection (or, reusable ones, for a pooled connection). */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Read by other loops when a slot frees: whether this pool wants to be woken. */
    private volatile boolean hasWaiters;
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private final Runnable pumpTask = () -> {
        pumpScheduled.set(false);
        pump();
    };

    /** An acquire waiting for a connection slot. */
    private record Waiter(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                          int rounds) {
    }

    @SuppressWarnings("unchecked")
    UpstreamConnectionPool(EventLoop eventLoop, Bootstrap bootstrap, List<UpstreamTarget> targets, ProxyMetrics metrics,
                           int maxIdlePerTarget, long idleTimeoutNanos, UpstreamReuse reuse, ConnectionPacer[] pacers) {
        this.eventLoop = eventLoop;
        this.batchedFlush = new BatchedFlush(eventLoop);
        this.pacers = pacers;
        this.reuse = reuse;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.bootstrap = bootstrap;
        this.targets = targets;
        this.metrics = metrics;
        this.maxIdlePerTarget = maxIdlePerTarget;
        this.idle = new ArrayDeque[targets.size()];
        this.downUntilNanos = new long[targets.size()];
        for (int i = 0; i < idle.length; i++) {
            idle[i] = new ArrayDeque<>();
        }
    }

    public EventLoop eventLoop() {
        return eventLoop;
    }

    /** Flushes {@code channel} once the loop's current pass of I/O ends ({@link BatchedFlush}). */
    void flushLater(Channel channel) {
        batchedFlush.flushLater(channel);
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** Which requests may take an idle connection ({@code --upstream-reuse}). */
    UpstreamReuse reuse() {
        return reuse;
    }

    /**
     * Gets a connection for one exchange: the next upstream in round-robin order (skipping those
     * that refused a connection in the last {@link #DOWN_NANOS}), an idle connection to it if one
     * is open and was idle less than the idle timeout (unless {@code fresh}), else a new one. A
     * failed connect marks that upstream down and tries the next; once each upstream failed in a
     * round, the next round starts after a pause (50 ms, doubling to 500 ms) while it can start
     * before {@code deadlineNanos}. A new connection needs a slot of its upstream's
     * {@link ConnectionPacer}; without one the request waits in line until a slot frees (or, unless
     * {@code fresh}, a pooled connection comes back); after a failed connect, only until its deadline. Completes
     * {@code promise} on this loop with the connection, or with the last connect failure (a
     * {@link ConnectException} when the deadline passed in line). If the promise was cancelled
     * meanwhile, a connection that opens anyway goes to the idle list (it is clean).
     *
     * @param fresh         open a new connection even when an idle one is there (a retry after a
     *                      reused connection closed under a request)
     * @param deadlineNanos {@link System#nanoTime} after which no new round of connects starts
     */
    public void acquire(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos) {
        attempt(promise, fresh, deadlineNanos, 0, 0);
    }

    /**
     * The idle connection {@link #acquire} would complete its promise with at once for a request
     * that may reuse one (not {@code fresh}), taken now: one to the next upstream in turn, when no
     * acquire waits and one is open and idle less than the idle timeout. Null otherwise, and then
     * the turn has not moved, so the {@link #acquire} that follows picks the same upstream. Spares
     * the everyday request a promise and its listener.
     */
    public UpstreamConnection pollReady() {
        if (!waiters.isEmpty()) {
            return null;
        }
        int turn = next;
        UpstreamConnection c = pollIdle(nextTarget());
        if (c == null) {
            next = turn;
        }
        return c;
    }

    private void attempt(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                         int rounds) {
        if (promise.isDone()) {
            return;
        }
        // First come, first served: while others wait for a slot, a new request waits behind them.
        if (waiters.isEmpty() && tryServe(promise, fresh, deadlineNanos, attempts, rounds)) {
            return;
        }
        waiters.addLast(new Waiter(promise, fresh, deadlineNanos, attempts, rounds));
        hasWaiters = true;
        // A slot may have freed between the failed try and hasWaiters being seen.
        pump();
    }

    /**
     * Serves one acquire now if it can: a pooled connection (unless {@code fresh}), or a new one
     * when some upstream's pacer has a slot. Returns false when it must wait.
     */
    private boolean tryServe(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                             int rounds) {
        UpstreamTarget target = nextTarget();
        UpstreamConnection c = fresh ? null : pollIdle(target);
        if (c != null) {
            if (!promise.trySuccess(c)) {
                release(c);
            }
            return true;
        }
        int slot;
        for (int i = 0; ; i++) {
            slot = pacers[target.index()].tryStart();
            if (slot > 0) {
                break;
            }
            if (i + 1 >= targets.size()) {
                return false;
            }
            target = nextTarget();
        }
        UpstreamTarget t = target;
        int s = slot;
        long startNanos = System.nanoTime();
        ChannelFuture connect = connect(t);
        if (connect.isDone()) {
            connected(promise, fresh, deadlineNanos, attempts + 1, rounds, t, s, connect, startNanos, null);
        } else {
            ConnectionPacer pacer = pacers[t.index()];
            // Still pending this late: its SYN was dropped (a full listen queue); say so at once
            // rather than after the retransmission.
            io.netty.util.concurrent.ScheduledFuture<?> slow = eventLoop.schedule(() -> {
                if (!connect.isDone()) {
                    pacer.shrink();
                }
            }, pacer.slowConnectNanos(), TimeUnit.NANOSECONDS);
            connect.addListener((ChannelFutureListener) f ->
                    connected(promise, fresh, deadlineNanos, attempts + 1, rounds, t, s, f, startNanos, slow));
        }
        return true;
    }

    /**
     * Serves the waiting acquires that can be served now, in order; drops those whose promise is
     * done and fails those past their deadline. Runs on this loop.
     */
    private void pump() {
        int n = waiters.size();
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Waiter w = waiters.pollFirst();
            if (w == null) {
                break;
            }
            if (w.promise().isDone()) {
                continue;
            }
            if ((w.attempts() > 0 || w.rounds() > 0) && now - w.deadlineNanos() > 0) {
                // As after a round of refused connects: no new try past the deadline. A first
                // connect is never refused for it: a slot frees within a connect timeout.
                w.promise().tryFailure(new ConnectException("no connection to the upstream could be opened "
                        + "before the request's deadline"));
                continue;
            }
            if (!tryServe(w.promise(), w.fresh(), w.deadlineNanos(), w.attempts(), w.rounds())) {
                waiters.addLast(w);
            }
        }
        hasWaiters = !waiters.isEmpty();
    }

    /** A pacer slot freed (any thread): wake this pool's loop if requests wait here. */
    void slotFreed() {
        if (hasWaiters) {
            schedulePump();
        }
    }

    private void schedulePump() {
        if (pumpScheduled.compareAndSet(false, true)) {
            eventLoop.execute(pumpTask);
        }
    }

    private void connected(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                           int rounds, UpstreamTarget target, int slot, ChannelFuture f, long startNanos,
                           io.netty.util.concurrent.ScheduledFuture<?> slowTimer) {
        ConnectionPacer pacer = pacers[target.index()];
        if (slowTimer != null) {
            slowTimer.cancel(false);
        }
        if (f.isSuccess()) {
            UpstreamConnection c = f.channel().pipeline().get(UpstreamConnection.class);
            long took = System.nanoTime() - startNanos;
            if (took < pacer.slowConnectNanos()) {
                pacer.connectTook(took);
            }
            c.unproven(pacer, slot);
            if (!promise.trySuccess(c)) {
                release(c);
            }
            return;
        }
        pacer.lost();
        metrics.upstreamError(UpstreamErrorKind.CONNECT);
        markDown(target);
        LOG.debug("connect to {} failed: {}", target, f.cause().toString());
        if (promise.isDone()) {
            return;
        }
        if (attempts < targets.size()) {
            attempt(promise, fresh, deadlineNanos, attempts, rounds);
            return;
        }
        long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(rounds, 10));
        if (deadlineNanos - (System.nanoTime() + backoff) > 0) {
            eventLoop.schedule(() -> attempt(promise, fresh, deadlineNanos, 0, rounds + 1), backoff,
                    TimeUnit.NANOSECONDS);
        } else {
            promise.tryFailure(f.cause());
        }
    }

    /**
     * The next upstream in round-robin order, skipping those that failed to connect in the last
     * {@link #DOWN_NANOS} (unless all did: then plain round-robin, so a recovered one is found).
     */
    private UpstreamTarget nextTarget() {
        int n = targets.size();
        if (downCount > 0) {
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int candidate = (next + i) % n;
                if (downUntilNanos[candidate] != 0 && now - downUntilNanos[candidate] >= 0) {
                    downUntilNanos[candidate] = 0;
                    downCount--;
                }
                if (downUntilNanos[candidate] == 0) {
                    next = candidate + 1 == n ? 0 : candidate + 1;
                    return targets.get(candidate);
                }
            }
        }
        UpstreamTarget t = targets.get(next);
        next = next + 1 == n ? 0 : next + 1;
        return t;
    }

    /** {@code target} could not be connected to: leave it out for a while. */
    private void markDown(UpstreamTarget target) {
        if (downUntilNanos[target.index()] == 0) {
            downCount++;
        }
        long until = System.nanoTime() + DOWN_NANOS;
        downUntilNanos[target.index()] = until == 0 ? 1 : until;
    }

    /**
     * An idle, still open connection to {@code target} idle less than the idle timeout, or null
     * when there is none. The list is in release order, so once the newest is too old, all are:
     * they are closed.
     */
    private UpstreamConnection pollIdle(UpstreamTarget target) {
        ArrayDeque<UpstreamConnection> deque = idle[target.index()];
        UpstreamConnection c;
        long now = System.nanoTime();
        while ((c = deque.pollLast()) != null) {
            c.pooled = false;
            if (now - c.idleSinceNanos >= idleTimeoutNanos) {
                c.close();
                closeAll(deque);
                return null;
            }
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    private static void closeAll(ArrayDeque<UpstreamConnection> deque) {
        UpstreamConnection c;
        while ((c = deque.pollFirst()) != null) {
            c.pooled = false;
            c.close();
        }
    }

    /** Closes the connections idle for the idle timeout or longer, oldest first; re-arms itself. */
    private void sweep() {
        sweepTimer = null;
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (ArrayDeque<UpstreamConnection> deque : idle) {
            UpstreamConnection c;
            while ((c = deque.peekFirst()) != null) {
                long left = c.idleSinceNanos + idleTimeoutNanos - now;
                if (left > 0) {
                    next = Math.min(next, left);
                    break;
                }
                deque.pollFirst();
                c.pooled = false;
                c.close();
            }
        }
        if (next != Long.MAX_VALUE) {
            sweepTimer = eventLoop.schedule(sweepTask, next, TimeUnit.NANOSECONDS);
        }
    }

    /** Opens a new connection to {@code target} on this pool's event loop. */
    private ChannelFuture connect(UpstreamTarget target) {
        return bootstrap.clone().handler(new UpstreamChannelInitializer(this, target)).connect(target.address());
    }

    /** Idle connections to {@code target} right now (for tests and metrics). */
    public int idleCount(UpstreamTarget target) {
        return idle[target.index()].size();
    }

    /** The configured upstreams. */
    public List<UpstreamTarget> targets() {
        return targets;
    }

    void release(UpstreamConnection c) {
        if (!c.channel().isActive()) {
            return;
        }
        ArrayDeque<UpstreamConnection> deque = idle[c.target().index()];
        if (deque.size() >= maxIdlePerTarget) {
            c.close();
            return;
        }
        // An idle connection reads so that the upstream closing it is noticed at once.
        c.channel().config().setAutoRead(true);
        c.pooled = true;
        c.idleSinceNanos = System.nanoTime();
        c.exchanges++;
        deque.addLast(c);
        if (sweepTimer == null) {
            sweepTimer = eventLoop.schedule(sweepTask, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        if (!waiters.isEmpty()) {
            // A reusable request waiting for a slot takes this one (later, not inside the exchange
            // that just gave it back).
            schedulePump();
        }
    }

    void remove(UpstreamConnection c) {
        if (c.pooled) {
            c.pooled = false;
            idle[c.target().index()].remove(c);
        }
    }

    /** Closes every idle connection (shutdown). */
    public void closeIdle() {
        for (ArrayDeque<UpstreamConnection> deque : idle) {
            closeAll(deque);
        }
        if (sweepTimer != null) {
            sweepTimer.cancel(false);
            sweepTimer = null;
        }
    }
}
