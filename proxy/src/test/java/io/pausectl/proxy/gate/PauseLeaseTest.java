package io.pausectl.proxy.gate;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.Ticker;
import io.pausectl.api.Counters;
import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease on an embedded executor with a mock ticker: time moves only when the test says so. */
class PauseLeaseTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel executor = EmbeddedChannel.builder().ticker(ticker).build();
    private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    private final List<PauseLease> expired = new ArrayList<>();
    private final AtomicInteger statusReads = new AtomicInteger();
    private final Supplier<Status> status = () -> new Status(PauseState.PAUSING, statusReads.incrementAndGet(), 0,
            0, 0, 0, null, null, 0, new Counters(0, 0, 0, 0, 0, 0, 0, 0));

    @AfterEach
    void tearDown() {
        executor.finishAndReleaseAll();
    }

    private PauseLease lease(Duration maxPause) {
        return new PauseLease("id-1", "ops", "migration", ScopeMatcher.of(Scope.ALL), executor.eventLoop(), clock,
                maxPause, expired::add);
    }

    private void advance(Duration d) {
        ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        executor.runPendingTasks();
        executor.runScheduledPendingTasks();
    }

    @Test
    void expiresOneTtlAfterTheLastRenewal() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        lease.renewFor(Duration.ofSeconds(30));
        assertThat(lease.expiresAt()).isEqualTo(T0.plusSeconds(30));
        advance(Duration.ofSeconds(20));
        lease.renew();
        assertThat(lease.expiresAt()).as("wall clock fixed: 30 s from the clock's now").isEqualTo(T0.plusSeconds(30));
        advance(Duration.ofSeconds(29));
        assertThat(expired).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(expired).containsExactly(lease);
    }

    @Test
    void renewForChangesTheTtlThatLaterRenewalsUse() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        lease.renewFor(Duration.ofSeconds(30));
        lease.renewFor(Duration.ofSeconds(5));
        advance(Duration.ofSeconds(4));
        lease.renew();
        advance(Duration.ofSeconds(4));
        assertThat(expired).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(expired).containsExactly(lease);
    }

    @Test
    void neverOutlivesMaxPauseFromItsStartHoweverRenewed() {
        PauseLease lease = lease(Duration.ofSeconds(60));
        lease.renewFor(Duration.ofSeconds(40));
        advance(Duration.ofSeconds(30));
        lease.renew();
        assertThat(lease.expiresAt()).as("capped at start + 60 s").isEqualTo(T0.plusSeconds(30));
        advance(Duration.ofSeconds(29));
        assertThat(expired).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(expired).containsExactly(lease);
    }

    @Test
    void anEndedLeaseNeverExpires() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        lease.renewFor(Duration.ofSeconds(1));
        assertThat(lease.active()).isTrue();
        lease.end();
        assertThat(lease.active()).isFalse();
        advance(Duration.ofSeconds(5));
        assertThat(expired).isEmpty();
    }

    @Test
    void showsItselfAsTheApiLease() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        lease.renewFor(Duration.ofSeconds(30));
        assertThat(lease.toApi()).isEqualTo(new Lease("id-1", "ops", "migration", T0.plusSeconds(30), Scope.ALL));
    }

    @Test
    void idleWaitersAreAnsweredOnceWithOneStatus() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        Promise<Status> a = executor.eventLoop().newPromise();
        Promise<Status> b = executor.eventLoop().newPromise();
        lease.awaitIdle(a, Duration.ofSeconds(10), status);
        lease.awaitIdle(b, Duration.ofSeconds(10), status);
        lease.answerIdleWaiters(status);
        assertThat(a.getNow()).isSameAs(b.getNow());
        assertThat(statusReads).hasValue(1);
        advance(Duration.ofSeconds(11));
        assertThat(statusReads).as("their time-outs find them answered").hasValue(1);
        lease.answerIdleWaiters(status);
        assertThat(statusReads).as("nobody left to answer: no status computed").hasValue(1);
    }

    @Test
    void anIdleWaiterIsAnsweredWhenItsWaitRunsOut() {
        PauseLease lease = lease(Duration.ofMinutes(10));
        Promise<Status> shortWait = executor.eventLoop().newPromise();
        Promise<Status> longWait = executor.eventLoop().newPromise();
        lease.awaitIdle(shortWait, Duration.ofSeconds(2), status);
        lease.awaitIdle(longWait, Duration.ofSeconds(20), status);
        advance(Duration.ofSeconds(1));
        assertThat(shortWait.isDone()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(shortWait.isSuccess()).isTrue();
        assertThat(longWait.isDone()).isFalse();
        lease.answerIdleWaiters(status);
        assertThat(longWait.isSuccess()).isTrue();
        assertThat(statusReads).hasValue(2);
    }
}
