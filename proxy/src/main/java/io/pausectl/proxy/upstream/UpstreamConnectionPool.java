package io.pausectl.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The idle upstream connections of ONE event loop, and the round-robin cursor over the upstreams
 * for the clients of that loop. Connections are opened on this loop, so a client and the upstream
 * connection serving it share a thread and never hand data across threads. Only touched from its
 * event loop: no locks.
 *
 * <p>A connection comes back only at a clean message boundary (the exchange vouches for it) and is
 * checked to still be open when taken out. Idle connections are taken most-recently-used first
 * (the warmest); beyond {@link #maxIdlePerTarget} idle ones per upstream, a returned connection is
 * closed.
 */
public final class UpstreamConnectionPool {
    private final EventLoop eventLoop;
    private final Bootstrap bootstrap;
    private final List<UpstreamTarget> targets;
    private final ArrayDeque<UpstreamConnection>[] idle;
    private final int maxIdlePerTarget;
    private final long[] downUntilNanos;
    private int downCount;
    private int next;

    @SuppressWarnings("unchecked")
    UpstreamConnectionPool(EventLoop eventLoop, Bootstrap bootstrap, List<UpstreamTarget> targets, int maxIdlePerTarget) {
        this.eventLoop = eventLoop;
        this.bootstrap = bootstrap;
        this.targets = targets;
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

    /** How many upstreams there are (the most connect attempts worth making for one request). */
    public int targetCount() {
        return targets.size();
    }

    /**
     * The next upstream in round-robin order, skipping those that failed to connect in the last
     * {@link #DOWN_NANOS} (unless all did: then plain round-robin, so a recovered one is found).
     */
    public UpstreamTarget nextTarget() {
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

    /** How long an upstream that refused a connection is left out of the rotation. */
    public static final long DOWN_NANOS = 2_000_000_000L;

    /** {@code target} could not be connected to: leave it out for a while. */
    public void markDown(UpstreamTarget target) {
        if (downUntilNanos[target.index()] == 0) {
            downCount++;
        }
        long until = System.nanoTime() + DOWN_NANOS;
        downUntilNanos[target.index()] = until == 0 ? 1 : until;
    }

    /** An idle, still open connection to {@code target}, or null when there is none. */
    public UpstreamConnection pollIdle(UpstreamTarget target) {
        ArrayDeque<UpstreamConnection> deque = idle[target.index()];
        UpstreamConnection c;
        while ((c = deque.pollLast()) != null) {
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    /** Opens a new connection to {@code target} on this pool's event loop. */
    public ChannelFuture connect(UpstreamTarget target) {
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
        deque.addLast(c);
    }

    void remove(UpstreamConnection c) {
        idle[c.target().index()].remove(c);
    }

    /** Closes every idle connection (shutdown). */
    public void closeIdle() {
        for (ArrayDeque<UpstreamConnection> deque : idle) {
            UpstreamConnection c;
            while ((c = deque.pollFirst()) != null) {
                c.channel().close();
            }
        }
    }
}
