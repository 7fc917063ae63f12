package io.pausectl.proxy.gate;

import io.pausectl.api.AdminRequests;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 10 fault 1 at the gate itself: a pause or renewal whose durations cannot be honoured
 * changes nothing (the gate used to go {@code pausing} with no expiry, and a failed renewal kept its
 * ttl for the next one), and no duration can overflow the gate's arithmetic.
 */
class GatePauseAtomicityTest {
    private QueueingPauseGate gate;

    @BeforeEach
    void start() {
        gate = QueueingPauseGate.start(new GateSettings(100, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                16, 0, List.of()), ProxyMetrics.prometheus());
    }

    @AfterEach
    void stop() {
        gate.shutdown().syncUninterruptibly();
        gate.close().syncUninterruptibly();
    }

    private static PauseOrder command(Optional<Duration> ttl, Duration waitIdle) {
        return new PauseOrder("migrate", "ops", ttl, waitIdle, null, Optional.empty());
    }

    private Status status() throws Exception {
        return gate.statusAsync().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aPauseOrderOutOfRangeIsRefusedBeforeItReachesTheGate() throws Exception {
        for (Duration ttl : List.of(Duration.ofHours(9_999_999), Duration.ofSeconds(9_223_372_037L), Duration.ZERO,
                Duration.ofSeconds(-1))) {
            assertThatThrownBy(() -> command(Optional.of(ttl), Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("'ttl'");
        }
        assertThatThrownBy(() -> command(Optional.empty(), Duration.ofSeconds(9_223_372_037L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("'waitIdle'");
        assertThat(status().state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void theLongestTtlIsCappedAtMaxPauseWithoutOverflow() throws Exception {
        Instant before = Instant.now();
        Status paused = gate.pause(command(Optional.of(AdminRequests.MAX_TTL), AdminRequests.MAX_WAIT_IDLE))
                .get(5, TimeUnit.SECONDS);
        assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
        assertThat(paused.lease().expiresAt()).isBetween(before.plus(Duration.ofMinutes(5)).minusSeconds(1),
                Instant.now().plus(Duration.ofMinutes(5)).plusSeconds(1));
        assertThat(PauseLease.saturatedNanos(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
        assertThat(PauseLease.saturatedNanos(Duration.ofSeconds(-1))).isZero();
    }

    @Test
    void aRefusedRenewalLeavesTheLeaseAndItsTtlAsTheyWere() throws Exception {
        Status paused = gate.pause(command(Optional.of(Duration.ofSeconds(90)), Duration.ofSeconds(1)))
                .get(5, TimeUnit.SECONDS);
        String lease = paused.lease().id();
        for (Duration ttl : List.of(Duration.ofSeconds(9_223_372_037L), Duration.ofHours(9_999_999), Duration.ZERO)) {
            assertThatThrownBy(() -> gate.renew(lease, Optional.of(ttl)).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
            Status s = status();
            assertThat(s.state()).isEqualTo(PauseState.PAUSED);
            assertThat(s.lease().expiresAt()).isEqualTo(paused.lease().expiresAt());
        }
        Status renewed = gate.renew(lease, Optional.empty()).get(5, TimeUnit.SECONDS);
        assertThat(Duration.between(Instant.now(), renewed.lease().expiresAt()))
                .isBetween(Duration.ofSeconds(85), Duration.ofSeconds(91));
    }
}
