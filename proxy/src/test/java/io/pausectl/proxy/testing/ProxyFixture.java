package io.pausectl.proxy.testing;

import io.pausectl.testkit.http.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pausectl.proxy.config.ConfigException;
import io.pausectl.proxy.config.ConfigLoader;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.PauseGate;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.server.ProxyServer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A running {@link ProxyServer} on port 0 with one event loop, for tests. */
public final class ProxyFixture implements AutoCloseable {
    public final ProxyConfig config;
    public final ProxyServer server;
    public final ProxyMetrics metrics;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final int port;

    private final QueueingPauseGate ownGate;
    /**
     * The transport every configuration made here asks for unless the test names one:
     * {@code -Dpausectl.test.transport=epoll} (or {@code nio}, {@code io_uring}) runs the suite on
     * that one; {@code auto} by default, as the proxy.
     */
    private static final String TRANSPORT = System.getProperty("pausectl.test.transport", "auto");

    /** @param gate the gate to use, or null for a real queueing gate (state running: forwards all) */
    private ProxyFixture(ProxyConfig config, PauseGate gate) throws InterruptedException {
        this.config = config;
        this.metrics = new ProxyMetrics(registry);
        this.ownGate = gate == null ? QueueingPauseGate.start(GateSettings.of(config), metrics) : null;
        if (gate == null) {
            gate = ownGate;
        }
        this.server = new ProxyServer(config, gate, metrics);
        this.port = server.start().getPort();
    }

    /** Starts a proxy in front of {@code upstreams} with extra flags given as name, value pairs. */
    public static ProxyFixture start(PauseGate gate, List<String> upstreams, String... flags) throws Exception {
        return new ProxyFixture(config(Map.of("listen", List.of("127.0.0.1:0"), "upstream", upstreams,
                "event-loops", List.of("1")), flags), gate);
    }

    /**
     * A configuration read by the same {@link ConfigLoader} as the command line: {@code defaults},
     * then {@code flags} given as name, value pairs (names as on the command line, without dashes).
     *
     * @throws IllegalArgumentException when the loader refuses it
     */
    public static ProxyConfig config(Map<String, List<String>> defaults, String... flags) {
        Map<String, List<String>> given = new HashMap<>(defaults);
        given.putIfAbsent("transport", List.of(TRANSPORT));
        for (int i = 0; i < flags.length; i += 2) {
            given.put(flags[i], List.of(flags[i + 1]));
        }
        try {
            return ConfigLoader.load(given, Map.of());
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public static ProxyFixture start(TestUpstream upstream, String... flags) throws Exception {
        return start(null, List.of(upstream.url()), flags);
    }

    /** Starts a proxy with a real queueing gate (running: it forwards everything). */
    public static ProxyFixture start(List<String> upstreams, String... flags) throws Exception {
        return start(null, upstreams, flags);
    }

    /** Requests counted by status class, e.g. "5xx". */
    public double requests(String statusClass) {
        return registry.get("pauseproxy.requests").tag("status_class", statusClass).counter().count();
    }

    public double upstreamErrors(String kind) {
        return registry.get("pauseproxy.upstream.errors").tag("kind", kind).counter().count();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown(Duration.ofSeconds(2));
        if (ownGate != null) {
            ownGate.shutdown().await(5, java.util.concurrent.TimeUnit.SECONDS);
            ownGate.close().await(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
