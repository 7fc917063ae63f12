package io.pausectl.proxy.upstream;

import io.pausectl.proxy.config.UpstreamReuse;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.pausectl.proxy.metrics.ProxyMetrics;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link UpstreamConnectionPool} per event loop of the group, created up front so that
 * finding a client's pool is a lookup in a map nobody writes to after start-up, and one
 * {@link ConnectionPacer} per upstream, which all the pools share.
 */
public final class UpstreamPools {
    /** Most idle connections kept per upstream and event loop. */
    public static final int MAX_IDLE_PER_TARGET = 1024;

    private final Map<EventExecutor, UpstreamConnectionPool> pools = new IdentityHashMap<>();

    /**
     * @param group     the event loops serving clients
     * @param bootstrap a bootstrap with the channel type and options set; each pool clones it
     *                  onto its own loop
     * @param targets   the upstreams, in configuration order
     * @param metrics   where connect failures and the exchanges' upstream errors are counted
     * @param idleTimeout a pooled connection idle this long is closed, never reused
     * @param reuse     which requests may take a pooled connection
     */
    public UpstreamPools(EventLoopGroup group, Bootstrap bootstrap, List<UpstreamTarget> targets, ProxyMetrics metrics,
                         Duration idleTimeout, UpstreamReuse reuse) {
        ConnectionPacer[] pacers = new ConnectionPacer[targets.size()];
        for (int i = 0; i < pacers.length; i++) {
            pacers[i] = new ConnectionPacer();
        }
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            pools.put(loop, new UpstreamConnectionPool(loop, bootstrap.clone(loop), targets, metrics,
                    MAX_IDLE_PER_TARGET, idleTimeout.toNanos(), reuse, pacers));
        }
        List<UpstreamConnectionPool> all = List.copyOf(pools.values());
        for (ConnectionPacer pacer : pacers) {
            pacer.pools(all);
        }
    }

    /** The pool of the given event loop. */
    public UpstreamConnectionPool forLoop(EventLoop loop) {
        UpstreamConnectionPool pool = pools.get(loop);
        if (pool == null) {
            throw new IllegalArgumentException("event loop " + loop + " is not one of the proxy's");
        }
        return pool;
    }

    /** Closes every idle connection, each on its own loop. */
    public void closeIdle() {
        for (UpstreamConnectionPool pool : pools.values()) {
            pool.eventLoop().execute(pool::closeIdle);
        }
    }
}
