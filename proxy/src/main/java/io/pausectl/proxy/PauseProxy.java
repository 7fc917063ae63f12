package io.pausectl.proxy;

import io.netty.util.concurrent.Future;
import io.pausectl.proxy.admin.AdminServer;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.fleet.FleetMember;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole pause proxy in one process: the client-side {@link ProxyServer}, the
 * {@link QueueingPauseGate} it consults, the {@link AdminServer} that drives the gate, and the
 * metrics they share. {@link PauseProxyMain} runs one; tests run one in-process.
 */
public final class PauseProxy {
    private static final Logger LOG = LoggerFactory.getLogger(PauseProxy.class);

    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final QueueingPauseGate gate;
    private final ProxyServer server;
    private final AdminServer admin;
    private final FleetMember fleet;
    private InetSocketAddress clientAddress;
    private InetSocketAddress adminAddress;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Under the serial collector, the idle collector (its metric reads it through a weak reference); else null. */
    private IdleCollector idleCollector;
    /** The idle collector's periodic check; null without one. */
    private volatile ScheduledFuture<?> idleCollection;

    public PauseProxy(ProxyConfig config) {
        this.config = config;
        this.metrics = ProxyMetrics.prometheus();
        this.gate = QueueingPauseGate.start(GateSettings.of(config), metrics);
        this.server = new ProxyServer(config, gate, metrics);
        this.admin = new AdminServer(config.adminListen(), config.adminToken(), gate, metrics);
        this.fleet = config.fleet().map(f -> new FleetMember(f, gate, config.maxPause())).orElse(null);
    }

    /**
     * Binds the client listener, then the admin API (which logs its start-up line).
     *
     * @return the client listener's bound address
     */
    public InetSocketAddress start() throws InterruptedException {
        if (fleet != null) {
            // Before the first client: a node started during a window must not serve into it.
            fleet.holdAtStart();
        }
        try {
            clientAddress = server.start();
        } catch (InterruptedException | RuntimeException e) {
            gate.shutdown();
            gate.close();
            throw e;
        }
        metrics.bindNetty("client", server.eventLoops());
        try {
            adminAddress = admin.start();
        } catch (InterruptedException | RuntimeException e) {
            server.shutdown(Duration.ZERO);
            gate.shutdown();
            gate.close();
            throw e;
        }
        IdleCollector idle = IdleCollector.forThisJvm(gate.readings(), metrics);
        if (idle != null) {
            idleCollector = idle;
            metrics.bindIdleCollections(idle, IdleCollector::collections);
            idleCollection = idle.scheduleOn(admin.executor());
        }
        if (fleet != null) {
            fleet.start();
        }
        return clientAddress;
    }

    /** The client listener's bound address. */
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** The admin API's bound address. */
    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    /** The transport in use ({@code io_uring}, {@code epoll} or {@code nio}); call only after {@link #start}. */
    public String transportName() {
        return server.transportName();
    }

    public QueueingPauseGate gate() {
        return gate;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public ProxyConfig config() {
        return config;
    }

    /**
     * Graceful stop. Held requests are answered 503 with {@code Retry-After} and
     * {@code Connection: close} first: they were never forwarded, so a client may safely retry
     * them elsewhere, whereas releasing them would send traffic into a maintenance window that is
     * still going on. Then the client side stops accepting and lets exchanges in progress finish
     * within {@code grace}; the admin API stops last.
     *
     * @return whether every client connection finished within the grace period
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        if (!stopped.compareAndSet(false, true)) {
            return true;
        }
        if (fleet != null) {
            fleet.close();
        }
        ScheduledFuture<?> idle = idleCollection;
        if (idle != null) {
            idle.cancel(false);
        }
        Future<Integer> refused = gate.shutdown();
        if (!refused.await(5, TimeUnit.SECONDS)) {
            LOG.warn("the pause gate did not confirm its shutdown within 5s");
        }
        boolean clean = server.shutdown(grace);
        admin.stop().await(5, TimeUnit.SECONDS);
        gate.close().await(5, TimeUnit.SECONDS);
        return clean;
    }
}
