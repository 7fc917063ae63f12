package io.pausectl.proxy.gate;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.pausectl.api.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Maintenance mode on an embedded executor with a mock ticker: time moves only when the test says so. */
class MaintenanceModeTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel executor = EmbeddedChannel.builder().ticker(ticker).build();
    private final MaintenanceMode mode = new MaintenanceMode(executor.eventLoop(),
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    private final ScopeMatcher all = ScopeMatcher.of(Scope.ALL);

    @AfterEach
    void tearDown() {
        executor.finishAndReleaseAll();
    }

    private static MaintenanceOrder order(String message, Duration ttl, Optional<String> lease) {
        return new MaintenanceOrder(message, Duration.ofSeconds(120), ttl, "ops", Scope.ALL, lease);
    }

    private void advance(Duration d) {
        ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        executor.runPendingTasks();
        executor.runScheduledPendingTasks();
    }

    @Test
    void offUntilTurnedOnThenOnWithANewLeaseAndTheOrdersNotice() {
        assertThat(mode.current()).isNull();
        MaintenanceWindow on = mode.turnOn(order("back at 3", Duration.ofMinutes(10), Optional.empty()), all);
        assertThat(mode.current()).isSameAs(on);
        assertThat(on.leaseId).matches("[0-9a-f]{32}");
        assertThat(on.notice).isEqualTo(new MaintenanceNotice("back at 3", "120"));
        assertThat(on.holder).isEqualTo("ops");
    }

    @Test
    void aSecondMaintenanceIsAConflictAndChangesNothing() {
        MaintenanceWindow on = mode.turnOn(order("first", Duration.ofMinutes(10), Optional.empty()), all);
        assertThatThrownBy(() -> mode.turnOn(order("second", Duration.ofMinutes(10), Optional.empty()), all))
                .isInstanceOf(LeaseConflictException.class).hasMessageContaining(on.leaseId);
        assertThatThrownBy(() -> mode.turnOn(order("second", Duration.ofMinutes(10), Optional.of("other")), all))
                .isInstanceOf(LeaseConflictException.class);
        assertThat(mode.current()).isSameAs(on);
        assertThat(on.active()).isTrue();
    }

    @Test
    void namingItsLeaseChangesAndRenewsItUnderTheSameLease() {
        MaintenanceWindow first = mode.turnOn(order("first", Duration.ofSeconds(10), Optional.empty()), all);
        advance(Duration.ofSeconds(8));
        MaintenanceWindow second = mode.turnOn(order("second", Duration.ofSeconds(10), Optional.of(first.leaseId)),
                all);
        assertThat(second.leaseId).isEqualTo(first.leaseId);
        assertThat(second.notice.message()).isEqualTo("second");
        assertThat(first.active()).as("the window it replaced ends").isFalse();
        advance(Duration.ofSeconds(8));
        assertThat(mode.current()).as("renewed for 10 s from its change").isSameAs(second);
        advance(Duration.ofSeconds(2));
        assertThat(mode.current()).isNull();
        assertThat(second.active()).isFalse();
    }

    @Test
    void namingALeaseThatIsNotOnIsGone() {
        assertThatThrownBy(() -> mode.turnOn(order("m", Duration.ofMinutes(1), Optional.of("gone")), all))
                .isInstanceOf(LeaseGoneException.class);
        assertThat(mode.current()).isNull();
        assertThatThrownBy(() -> mode.turnOff("gone")).isInstanceOf(LeaseGoneException.class);
    }

    @Test
    void turnedOffByItsLeaseOrByNoLeaseButNotByAnother() {
        MaintenanceWindow on = mode.turnOn(order("m", Duration.ofMinutes(1), Optional.empty()), all);
        assertThatThrownBy(() -> mode.turnOff("another")).isInstanceOf(LeaseGoneException.class);
        assertThat(mode.current()).isSameAs(on);
        mode.turnOff(on.leaseId);
        assertThat(mode.current()).isNull();
        assertThat(on.active()).isFalse();
        mode.turnOff(null);
        assertThat(mode.current()).as("off when off: not an error").isNull();

        MaintenanceWindow again = mode.turnOn(order("m", Duration.ofMinutes(1), Optional.empty()), all);
        mode.turnOff(null);
        assertThat(again.active()).isFalse();
        assertThat(mode.current()).isNull();
    }

    @Test
    void expiresOneTtlAfterItWasTurnedOn() {
        mode.turnOn(order("m", Duration.ofSeconds(30), Optional.empty()), all);
        advance(Duration.ofSeconds(29));
        assertThat(mode.current()).isNotNull();
        advance(Duration.ofSeconds(1));
        assertThat(mode.current()).isNull();
    }

    @Test
    void aShutdownEndsItsTimer() {
        MaintenanceWindow on = mode.turnOn(order("m", Duration.ofSeconds(30), Optional.empty()), all);
        mode.endForShutdown();
        assertThat(on.active()).isFalse();
        advance(Duration.ofSeconds(60));
        assertThat(List.of(on.active())).containsExactly(false);
    }
}
