package io.pausectl.proxy.gate;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class QueueBoundsTest {

    @Test
    void theCountBoundRefusesOneMoreAndTakesNothing() {
        QueueBounds bounds = new QueueBounds(2, 1_000);
        assertThat(bounds.tryReserve(10)).isTrue();
        assertThat(bounds.tryReserve(10)).isTrue();
        assertThat(bounds.tryReserve(10)).isFalse();
        assertThat(bounds.count()).isEqualTo(2);
        assertThat(bounds.bytes()).isEqualTo(20);
    }

    @Test
    void theByteBoundRefusesWhatWouldPassItAndTakesNothing() {
        QueueBounds bounds = new QueueBounds(10, 100);
        assertThat(bounds.tryReserve(60)).isTrue();
        assertThat(bounds.tryReserve(41)).isFalse();
        assertThat(bounds.count()).isEqualTo(1);
        assertThat(bounds.bytes()).isEqualTo(60);
        assertThat(bounds.tryReserve(40)).as("exactly at the bound").isTrue();
        assertThat(bounds.bytes()).isEqualTo(100);
    }

    @Test
    void freeingGivesTheRoomBack() {
        QueueBounds bounds = new QueueBounds(1, 100);
        assertThat(bounds.tryReserve(100)).isTrue();
        assertThat(bounds.tryReserve(1)).isFalse();
        bounds.free(100);
        assertThat(bounds.count()).isZero();
        assertThat(bounds.bytes()).isZero();
        assertThat(bounds.tryReserve(100)).isTrue();
    }

    @Test
    void racingReservationsNeverPassTheBound() throws Exception {
        QueueBounds bounds = new QueueBounds(100, Long.MAX_VALUE);
        AtomicInteger granted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < 4; t++) {
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 1_000; i++) {
                        if (bounds.tryReserve(1)) {
                            granted.incrementAndGet();
                        }
                    }
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(granted.get()).isEqualTo(100);
        assertThat(bounds.count()).isEqualTo(100);
    }
}
