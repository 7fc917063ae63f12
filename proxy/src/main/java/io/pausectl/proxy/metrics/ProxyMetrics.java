package io.pausectl.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.concurrent.EventExecutor;
import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Every meter the proxy publishes, declared in one place with its unit in its name, so the list a
 * dashboard needs is one read away. Meters are created once here; the hot path only increments
 * what it was handed (no registry lookup per request).
 *
 * <p>Request side: {@code pauseproxy_requests_total{status_class}},
 * {@code pauseproxy_request_seconds} (histogram), {@code pauseproxy_upstream_errors_total{kind}}.
 *
 * <p>Client connections: {@code pauseproxy_client_lingering_closes_total},
 * {@code pauseproxy_client_connections_refused_total} (at {@code --max-connections}),
 * {@code pauseproxy_client_head_timeouts_total} ({@code --client-header-timeout}).
 *
 * <p>Pause gate ({@link #bindGate}): {@code pauseproxy_state{state}} (1 for the current state),
 * {@code pauseproxy_queue_depth}, {@code pauseproxy_queue_bytes}, {@code pauseproxy_queue_limit_depth},
 * {@code pauseproxy_queue_limit_bytes} and {@code pauseproxy_queue_timeout_seconds} (the configured bounds, for
 * alerts), {@code pauseproxy_oldest_hold_seconds} (the oldest request held now; 0 when none),
 * {@code pauseproxy_pause_started_timestamp_seconds} (Unix time the current pause began; 0 while running),
 * {@code pauseproxy_inflight_requests},
 * {@code pauseproxy_held_total{outcome}} (released, timed_out, rejected, client_gone, shutdown, cancelled,
 * maintenance), {@code pauseproxy_maintenance_active} (1 while maintenance mode is on),
 * {@code pauseproxy_maintenance_answered_total} (requests answered 503 at once by maintenance mode),
 * {@code pauseproxy_hold_seconds} (histogram: how long each held request was held, whatever its
 * outcome), {@code pauseproxy_pauses_total{end}} (resumed, expired), {@code pauseproxy_pause_seconds}
 * (histogram: how long each pause lasted, from its start to its resume or expiry).
 *
 * <p>Process ({@link #prometheus()}): the JVM's memory, GC, threads, class loading and CPU meters,
 * and ({@link #bindNetty}) Netty's allocator and event-loop meters.
 */
public final class ProxyMetrics {

    /** Why an exchange with an upstream failed; the {@code kind} tag. */
    public enum UpstreamErrorKind {
        /** Could not connect (refused, unreachable, connect timeout). */
        CONNECT,
        /** The connection closed or reset before the response was complete. */
        RESET,
        /** No response head within the upstream timeout. */
        TIMEOUT,
        /** The upstream sent something that is not valid HTTP/1.1. */
        PROTOCOL;

        final String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter[] requestsByStatusClass = new Counter[6];
    private final Timer requestTimer;
    private final Map<UpstreamErrorKind, Counter> upstreamErrors = new EnumMap<>(UpstreamErrorKind.class);
    private final Timer holdTimer;
    private final Timer pauseTimer;
    private final Counter lingeringCloses;
    private final Counter connectionsRefused;
    private final Counter headTimeouts;

    /**
     * Metrics in a Prometheus registry, with the JVM's meters bound: what the proxy process
     * publishes on the admin API's {@code /metrics}.
     */
    public static ProxyMetrics prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        // Not Micrometer's JvmGcMetrics: its GC notifications cost a thread's CPU after every collection.
        new JvmGcReadings().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return new ProxyMetrics(registry);
    }

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        String[] classes = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
        for (int i = 0; i < classes.length; i++) {
            requestsByStatusClass[i] = Counter.builder("pauseproxy.requests")
                    .description("Requests answered to clients, by status class")
                    .tag("status_class", classes[i])
                    .register(registry);
        }
        requestTimer = Timer.builder("pauseproxy.request")
                .description("Time from a request head's arrival to its response's end, holds included")
                .publishPercentileHistogram()
                .register(registry);
        for (UpstreamErrorKind kind : UpstreamErrorKind.values()) {
            upstreamErrors.put(kind, Counter.builder("pauseproxy.upstream.errors")
                    .description("Failed exchanges with an upstream, by kind")
                    .tag("kind", kind.tag())
                    .register(registry));
        }
        holdTimer = Timer.builder("pauseproxy.hold")
                .description("How long each held request was held, whatever its outcome")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        pauseTimer = Timer.builder("pauseproxy.pause")
                .description("How long each pause lasted, from its start to its resume or expiry")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        lingeringCloses = Counter.builder("pauseproxy.client.lingering.closes")
                .description("Client connections closed after an answer by half-closing and reading what was left,"
                        + " so the answer is not lost to a reset")
                .register(registry);
        connectionsRefused = Counter.builder("pauseproxy.client.connections.refused")
                .description("Client connections answered 503 and closed because --max-connections were open")
                .register(registry);
        headTimeouts = Counter.builder("pauseproxy.client.head.timeouts")
                .description("Client connections answered 408 and closed: a request head not complete within"
                        + " --client-header-timeout")
                .register(registry);
    }

    /** Publishes the pause gate's state, queue and outcome totals (read from the gate when scraped). */
    public void bindGate(GateReadings gate) {
        for (PauseState state : PauseState.values()) {
            Gauge.builder("pauseproxy.state", gate, g -> g.state() == state ? 1 : 0)
                    .description("1 for the pause gate's current state, 0 for the others")
                    .tag("state", state.wireName())
                    .register(registry);
        }
        Gauge.builder("pauseproxy.queue.depth", gate, GateReadings::queueDepth)
                .description("Requests held now")
                .register(registry);
        Gauge.builder("pauseproxy.queue.bytes", gate, GateReadings::queuedBytes)
                .description("Bytes buffered for the requests held now (their parsed heads)")
                .register(registry);
        Gauge.builder("pauseproxy.queue.limit.depth", gate, GateReadings::maxQueued)
                .description("The bound on requests held at once (max-queued)")
                .register(registry);
        Gauge.builder("pauseproxy.queue.limit.bytes", gate, GateReadings::maxQueuedBytes)
                .description("The bound on bytes buffered for held requests (max-queued-bytes)")
                .register(registry);
        Gauge.builder("pauseproxy.inflight.requests", gate, GateReadings::inFlight)
                .description("Requests forwarded to an upstream and not finished")
                .register(registry);
        Gauge.builder("pauseproxy.queue.timeout", gate, GateReadings::queueTimeoutSeconds)
                .description("The longest a request is held before it is answered 503 (queue-timeout)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("pauseproxy.oldest.hold", gate, GateReadings::oldestHoldSeconds)
                .description("How long the oldest request held now has waited, 0 when none is held"
                        + " (compare with the queue timeout)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("pauseproxy.pause.started.timestamp", gate, GateReadings::pauseStartedSeconds)
                .description("When the current pause began (Unix time), 0 while running")
                .baseUnit("seconds")
                .register(registry);
        heldCounter(gate, "released", Counters::released);
        heldCounter(gate, "timed_out", Counters::timedOut);
        heldCounter(gate, "rejected", Counters::rejected);
        heldCounter(gate, "client_gone", Counters::clientGone);
        heldCounter(gate, "shutdown", Counters::shutdown);
        heldCounter(gate, "cancelled", Counters::cancelled);
        heldCounter(gate, "maintenance", Counters::maintenance);
        Gauge.builder("pauseproxy.maintenance.active", gate, g -> g.maintenanceOn() ? 1 : 0)
                .description("1 while maintenance mode is on (in-scope requests answered 503 at once), else 0")
                .register(registry);
        FunctionCounter.builder("pauseproxy.maintenance.answered", gate, g -> g.counters().maintenanceAnswered())
                .description("Requests answered 503 at once by maintenance mode (never held, never forwarded)")
                .register(registry);
        FunctionCounter.builder("pauseproxy.drain.start.timeouts", gate, GateReadings::drainStartTimeouts)
                .description("Drain slots given back because drain-start-timeout passed before the released"
                        + " request's answer started (it goes on; the next held request is released)")
                .register(registry);
        FunctionCounter.builder("pauseproxy.pauses", gate, g -> g.counters().pausesResumed())
                .description("Pauses ended, by how they ended")
                .tag("end", "resumed")
                .register(registry);
        FunctionCounter.builder("pauseproxy.pauses", gate, g -> g.counters().pausesExpired())
                .description("Pauses ended, by how they ended")
                .tag("end", "expired")
                .register(registry);
    }

    private void heldCounter(GateReadings gate, String outcome, ToLongFunction<Counters> read) {
        FunctionCounter.builder("pauseproxy.held", gate, g -> read.applyAsLong(g.counters()))
                .description("Requests that met the pause gate's queue, by outcome (rejected: refused at once,"
                        + " never held)")
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * Publishes Netty's meters: the default allocator's memory and, for each named group, its
     * event loops' pending tasks.
     */
    public void bindNetty(String groupName, Iterable<EventExecutor> group) {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider
                && registry.find("netty.allocator.memory.used").meters().isEmpty()) {
            new NettyAllocatorMetrics(provider).bindTo(registry);
        }
        new NettyEventExecutorMetrics(group, Tags.of("group", groupName)).bindTo(registry);
    }

    /** One held request ended (released, timed out, client gone or refused) after {@code nanos} held. */
    public void recordHold(long nanos) {
        holdTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One pause ended after lasting {@code nanos}. */
    public void recordPause(long nanos) {
        pauseTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text exposition of every meter, for {@code GET /metrics}. */
    public String scrape() {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return prometheus.scrape();
        }
        throw new IllegalStateException("metrics are not kept in a Prometheus registry");
    }

    /** The registry the meters live in (for the admin API's /metrics and the gate's meters). */
    public MeterRegistry registry() {
        return registry;
    }

    /** One request answered with {@code status}, {@code nanos} after its head arrived. */
    public void requestDone(int status, long nanos) {
        int statusClass = status / 100;
        requestsByStatusClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment();
        requestTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Publishes {@code pauseproxy_idle_collections_total}: the full collections the proxy asked for
     * while idle and got, read from {@code collector} at each scrape (held strongly by its owner:
     * Micrometer keeps only a weak reference).
     */
    public <T> void bindIdleCollections(T collector, ToLongFunction<T> collections) {
        FunctionCounter.builder("pauseproxy.idle.collections", collector, c -> collections.applyAsLong(c))
                .description("Full collections of the old generation the proxy asked for while idle (serial"
                        + " collector only): a second with nothing in flight or held, 1 MiB or more promoted")
                .register(registry);
    }

    /** Requests answered since start ({@link #requestDone} calls). */
    public long requestsDone() {
        return requestTimer.count();
    }

    /** A client connection started a lingering close. */
    public void lingeringClose() {
        lingeringCloses.increment();
    }

    /** Lingering closes so far. */
    public long lingeringCloses() {
        return (long) lingeringCloses.count();
    }

    /** A client connection refused at {@code --max-connections}. */
    public void connectionRefused() {
        connectionsRefused.increment();
    }

    /** Client connections refused so far. */
    public long connectionsRefused() {
        return (long) connectionsRefused.count();
    }

    /** A client connection whose request head took longer than {@code --client-header-timeout}. */
    public void headTimeout() {
        headTimeouts.increment();
    }

    /** One failed exchange with an upstream. */
    public void upstreamError(UpstreamErrorKind kind) {
        upstreamErrors.get(kind).increment();
    }
}
