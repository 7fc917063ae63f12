package io.pausectl.proxy.metrics;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.TimeUnit;

/**
 * The garbage collector's meters, read when {@code /metrics} is scraped rather than pushed at every
 * collection. Micrometer's {@code JvmGcMetrics} subscribes to the JVM's GC notifications: after
 * every young collection the JVM's "Notification Thread" then builds a {@code GcInfo} (composite
 * data for each memory pool, before and after) and runs the listener, about as much CPU as the
 * collection itself, on the core the event loop runs on, right after the collection stopped it
 * (bench/RESULTS.md, "Session 9, tail"). Without a subscriber the JVM builds no notification.
 *
 * <ul>
 *   <li>{@code jvm_gc_collection_seconds} ({@code _count}, {@code _sum}), tag {@code gc}: each
 *   collector's collections and their accumulated time, as its {@link GarbageCollectorMXBean}
 *   counts them (for the stop-the-world collectors, the default serial one among them, the pauses);</li>
 *   <li>{@code jvm_gc_max_data_size_bytes}: the old generation's maximum size;</li>
 *   <li>{@code jvm_gc_live_data_size_bytes}: the old generation's use after its last collection.</li>
 * </ul>
 */
public final class JvmGcReadings implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            FunctionTimer.builder("jvm.gc.collection", gc, g -> Math.max(0, g.getCollectionCount()),
                            g -> Math.max(0, g.getCollectionTime()), TimeUnit.MILLISECONDS)
                    .description("Collections by collector and their accumulated time (read at each scrape)")
                    .tag("gc", gc.getName())
                    .register(registry);
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP || !isOldGeneration(pool.getName())) {
                continue;
            }
            Gauge.builder("jvm.gc.max.data.size", pool, p -> maxOf(p.getUsage()))
                    .description("Maximum size of the old generation")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder("jvm.gc.live.data.size", pool, p -> usedOf(p.getCollectionUsage()))
                    .description("Size of the old generation after its last collection")
                    .baseUnit("bytes")
                    .register(registry);
            break;
        }
    }

    /** The long-lived pool of the JVM's collectors ("Tenured Gen", "PS Old Gen", "G1 Old Gen"...). */
    static boolean isOldGeneration(String poolName) {
        return poolName.endsWith("Old Gen") || poolName.endsWith("Tenured Gen");
    }

    private static double maxOf(MemoryUsage usage) {
        return usage == null || usage.getMax() < 0 ? Double.NaN : usage.getMax();
    }

    private static double usedOf(MemoryUsage usage) {
        return usage == null ? Double.NaN : usage.getUsed();
    }
}
