package io.pausectl.proxy.upstream;

import io.pausectl.proxy.config.UpstreamReuse;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 */
public final class UpstreamConnectionPool {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnectionPool.class);

    /** How long an upstream that refused a connection is left out of the rotation. */
    public static final long DOWN_NANOS = 2_000_000_000L;
    /** The pause after the first round of refused connects; it doubles up to {@link #MAX_BACKOFF_NANOS}. */
    static final long FIRST_BACKOFF_NANOS = 50_000_000L;
    static final long MAX_BACKOFF_NANOS = 500_000_000L;

    private final EventLoop eventLoop;
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

    @SuppressWarnings("unchecked")
    UpstreamConnectionPool(EventLoop eventLoop, Bootstrap bootstrap, List<UpstreamTarget> targets, ProxyMetrics metrics,
                           int maxIdlePerTarget, long idleTimeoutNanos, UpstreamReuse reuse) {
        this.eventLoop = eventLoop;
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
     * before {@code deadlineNanos}. Completes {@code promise} on this loop with the connection, or
     * with the last connect failure. If the promise was cancelled meanwhile, a connection that
     * opens anyway goes to the idle list (it is clean).
     *
     * @param fresh         open a new connection even when an idle one is there (a retry after a
     *                      reused connection closed under a request)
     * @param deadlineNanos {@link System#nanoTime} after which no new round of connects starts
     */
    public void acquire(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos) {
        attempt(promise, fresh, deadlineNanos, 0, 0);
    }

    private void attempt(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                         int rounds) {
        if (promise.isDone()) {
            return;
        }
        UpstreamTarget target = nextTarget();
        UpstreamConnection c = fresh ? null : pollIdle(target);
        if (c != null) {
            if (!promise.trySuccess(c)) {
                release(c);
            }
            return;
        }
        ChannelFuture connect = connect(target);
        if (connect.isDone()) {
            connected(promise, fresh, deadlineNanos, attempts + 1, rounds, target, connect);
        } else {
            connect.addListener((ChannelFutureListener) f ->
                    connected(promise, fresh, deadlineNanos, attempts + 1, rounds, target, f));
        }
    }

    private void connected(Promise<UpstreamConnection> promise, boolean fresh, long deadlineNanos, int attempts,
                           int rounds, UpstreamTarget target, ChannelFuture f) {
        if (f.isSuccess()) {
            UpstreamConnection c = f.channel().pipeline().get(UpstreamConnection.class);
            if (!promise.trySuccess(c)) {
                release(c);
            }
            return;
        }
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
            eventLoop.schedule(() -> attempt(promise, fresh, deadlineNanos, 0, rounds + 1), backoff, TimeUnit.NANOSECONDS);
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
                c.channel().close();
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
            c.channel().close();
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
                c.channel().close();
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
            c.channel().close();
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
