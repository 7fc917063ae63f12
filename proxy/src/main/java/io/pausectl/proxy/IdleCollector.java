package io.pausectl.proxy;

import io.pausectl.proxy.metrics.GateReadings;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Collects the old generation while the proxy is idle, so that traffic does not pay for it later.
 * Under the serial collector (the launcher's default) the old generation is collected only when it
 * is full, in one stop-the-world pause of 15–60 ms on this project's machine (bench/RESULTS.md,
 * sessions 12 and 13), with every exchange stopped; what fills it is connections that lived long
 * enough to be promoted (a keep-alive client's, a pooled upstream's) and then closed. Such a pause
 * set the p99 of whole benchmark windows at 80 % load. A proxy that is idle for a second (nothing in
 * flight, nothing held, no request answered) and has {@link #MIN_GARBAGE_BYTES} or more promoted
 * since its last full collection asks for one then ({@link System#gc}): the next burst starts with
 * the old generation's whole headroom. At most once per idle spell (a collection brings the
 * estimate back to zero, and only traffic promotes more); never while anything is in flight or held.
 *
 * <p>Only under the serial collector (its old pool "Tenured Gen"): the concurrent collectors need
 * no such help (G1 has its own {@code G1PeriodicGCInterval}). {@code JAVA_OPTS=-XX:+DisableExplicitGC}
 * turns it off; it notices (the collection count does not move) and stops asking.
 *
 * <p>{@link #check} runs on one scheduled thread; {@link #collections} may be read from any.
 */
final class IdleCollector {
    private static final Logger LOG = LoggerFactory.getLogger(IdleCollector.class);

    /** How often activity is sampled; idle means a whole period with none. */
    static final long PERIOD_MILLIS = 1_000;
    /** Bytes promoted since the last full collection that make an idle collection worth its pause. */
    static final long MIN_GARBAGE_BYTES = 1L << 20;

    /** What the collector reads: activity and the old generation. */
    interface Readings {
        /** Requests answered since start. */
        long requestsDone();

        /** Requests forwarded and not finished, plus requests held. */
        long busy();

        /** The old generation's use now, in bytes. */
        long oldUsed();

        /** The old generation's use after its last collection, in bytes. */
        long oldLive();

        /** Collections of the old generation since start. */
        long oldCollections();
    }

    private final Readings readings;
    private final Runnable collect;
    private long lastRequestsDone = -1;
    private boolean disabled;
    /** Written by the checking thread only; read by scrapes. */
    private volatile long collections;

    IdleCollector(Readings readings, Runnable collect) {
        this.readings = readings;
        this.collect = collect;
    }

    /**
     * The collector for this JVM, reading the gate and the metrics; null when the JVM's old
     * generation is not the serial collector's.
     */
    static IdleCollector forThisJvm(GateReadings gate, ProxyMetrics metrics) {
        MemoryPoolMXBean tenured = null;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().equals("Tenured Gen")) {
                tenured = pool;
            }
        }
        GarbageCollectorMXBean full = null;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().equals("MarkSweepCompact")) {
                full = gc;
            }
        }
        if (tenured == null || full == null) {
            return null;
        }
        MemoryPoolMXBean pool = tenured;
        GarbageCollectorMXBean collector = full;
        return new IdleCollector(new Readings() {
            @Override
            public long requestsDone() {
                return metrics.requestsDone();
            }

            @Override
            public long busy() {
                return gate.inFlight() + gate.queueDepth();
            }

            @Override
            public long oldUsed() {
                return pool.getUsage().getUsed();
            }

            @Override
            public long oldLive() {
                MemoryUsage after = pool.getCollectionUsage();
                return after == null ? 0 : after.getUsed();
            }

            @Override
            public long oldCollections() {
                return collector.getCollectionCount();
            }
        }, System::gc);
    }

    /** Checks every {@link #PERIOD_MILLIS} on {@code executor} until the returned future is cancelled. */
    ScheduledFuture<?> scheduleOn(ScheduledExecutorService executor) {
        return executor.scheduleWithFixedDelay(this::checkLogged, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** {@link #check}, with a failure logged: one thrown out of a periodic task would end it for good. */
    private void checkLogged() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("idle collector: check failed ({}); trying again in {} ms", e.toString(), PERIOD_MILLIS);
        }
    }

    /**
     * One sample: collects when nothing was in flight or held now and no request was answered since
     * the previous sample, and {@link #MIN_GARBAGE_BYTES} or more were promoted since the last full
     * collection.
     *
     * @return whether it asked for a collection
     */
    boolean check() {
        if (disabled) {
            return false;
        }
        long done = readings.requestsDone();
        boolean quiet = done == lastRequestsDone && readings.busy() == 0;
        lastRequestsDone = done;
        if (!quiet) {
            return false;
        }
        long promoted = readings.oldUsed() - readings.oldLive();
        if (promoted < MIN_GARBAGE_BYTES) {
            return false;
        }
        long before = readings.oldCollections();
        collect.run();
        if (readings.oldCollections() == before) {
            // -XX:+DisableExplicitGC (or a collector that ignores the request): stop asking.
            disabled = true;
            LOG.debug("idle collection asked for and not done: no more asked");
            return true;
        }
        collections++;
        LOG.debug("idle: old generation collected ({} KiB promoted since the last collection)", promoted >> 10);
        return true;
    }

    /** Collections this collector asked for and got. */
    long collections() {
        return collections;
    }
}
