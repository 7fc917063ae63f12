package io.pausectl.proxy.gate;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightRegistryTest {
    private final DefaultEventLoop loopA = new DefaultEventLoop();
    private final DefaultEventLoop loopB = new DefaultEventLoop();
    private final InFlightRegistry registry = new InFlightRegistry();

    @AfterEach
    void tearDown() {
        loopA.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        loopB.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private static List<GatedRequest> listed(InFlightRegistry.Loop loop) {
        List<GatedRequest> out = new ArrayList<>();
        loop.forEach(out::add);
        return out;
    }

    @Test
    void oneListPerLoopCreatedOnFirstUse() {
        assertThat(registry.loops()).isEmpty();
        InFlightRegistry.Loop a = registry.of(loopA);
        assertThat(registry.of(loopA)).isSameAs(a);
        InFlightRegistry.Loop b = registry.of(loopB);
        assertThat(b).isNotSameAs(a);
        assertThat(a.eventLoop()).isSameAs(loopA);
        assertThat(b.eventLoop()).isSameAs(loopB);
        assertThat(registry.loops()).containsExactly(a, b);
    }

    @Test
    void addsRemovesAndCountsPerLoopAndInAll() {
        InFlightRegistry.Loop a = registry.of(loopA);
        InFlightRegistry.Loop b = registry.of(loopB);
        TestRequest r1 = new TestRequest(loopA, "1");
        TestRequest r2 = new TestRequest(loopA, "2");
        TestRequest r3 = new TestRequest(loopA, "3");
        TestRequest r4 = new TestRequest(loopB, "4");
        a.add(r1);
        a.add(r2);
        a.add(r3);
        b.add(r4);
        assertThat(r2.registry).isSameAs(a);
        assertThat(listed(a)).containsExactly(r3, r2, r1);
        assertThat(a.size()).isEqualTo(3);
        assertThat(registry.size()).isEqualTo(4);

        a.remove(r2);
        assertThat(r2.registry).isNull();
        assertThat(listed(a)).containsExactly(r3, r1);
        a.remove(r3);
        assertThat(listed(a)).containsExactly(r1);
        a.remove(r1);
        assertThat(listed(a)).isEmpty();
        assertThat(a.size()).isZero();
        assertThat(registry.size()).isEqualTo(1);

        a.add(r2);
        assertThat(listed(a)).containsExactly(r2);
    }

    @Test
    void concurrentFirstUsesOfOneLoopGetOneList() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<InFlightRegistry.Loop>> tasks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                EventLoop loop = i % 2 == 0 ? loopA : loopB;
                tasks.add(() -> {
                    start.await();
                    return registry.of(loop);
                });
            }
            List<Future<InFlightRegistry.Loop>> got = new ArrayList<>();
            for (Callable<InFlightRegistry.Loop> t : tasks) {
                got.add(pool.submit(t));
            }
            start.countDown();
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).get(10, TimeUnit.SECONDS)).isSameAs(got.get(i % 2).get());
            }
            assertThat(registry.loops()).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theWrittenFieldsArePaddedOnBothSidesAgainstFalseSharing() {
        // 7 longs on each side: with the object header, a 64-byte cache line holds no neighbour's fields.
        assertThat(paddingLongs(InFlightRegistry.LoopLeftPad.class)).isGreaterThanOrEqualTo(7);
        assertThat(paddingLongs(InFlightRegistry.Loop.class)).isGreaterThanOrEqualTo(7);
        assertThat(InFlightRegistry.LoopFields.class.getSuperclass()).isEqualTo(InFlightRegistry.LoopLeftPad.class);
        assertThat(InFlightRegistry.Loop.class.getSuperclass()).isEqualTo(InFlightRegistry.LoopFields.class);
    }

    private static long paddingLongs(Class<?> c) {
        return Arrays.stream(c.getDeclaredFields())
                .filter(f -> f.getType() == long.class && !Modifier.isStatic(f.getModifiers()))
                .map(Field::getName)
                .filter(n -> n.startsWith("p"))
                .count();
    }
}
