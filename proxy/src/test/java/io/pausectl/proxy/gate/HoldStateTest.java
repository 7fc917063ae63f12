package io.pausectl.proxy.gate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.pausectl.api.Scope;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A request's {@link HoldState} through each way a hold can end, as the gate sets it. */
class HoldStateTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel gateLoop = EmbeddedChannel.builder().ticker(ticker).build();
    private final EmbeddedChannel loop = EmbeddedChannel.builder().ticker(ticker).build();
    private final QueueingPauseGate gate = new QueueingPauseGate(
            new GateSettings(10, 10_000, Duration.ofSeconds(30), Duration.ofMinutes(5), 256, 0, List.of()),
            gateLoop.eventLoop(), new ProxyMetrics(new SimpleMeterRegistry()), Clock.systemUTC());

    @AfterEach
    void tearDown() {
        gateLoop.finishAndReleaseAll();
        loop.finishAndReleaseAll();
    }

    private void settle() {
        for (int i = 0; i < 10; i++) {
            gateLoop.runPendingTasks();
            loop.runPendingTasks();
            gateLoop.runScheduledPendingTasks();
            loop.runScheduledPendingTasks();
        }
    }

    private String pause() {
        var f = gate.pause(new PauseOrder("r", "h", Optional.empty(), Duration.ZERO, Scope.ALL, Optional.empty()));
        settle();
        return f.getNow().lease().id();
    }

    private Quiet held() {
        Quiet r = new Quiet(loop.eventLoop());
        assertThat(gate.enter(r)).isEqualTo(Admission.HELD);
        assertThat(r.holdState).isEqualTo(HoldState.HELD);
        settle();
        return r;
    }

    @Test
    void forwardedAtOnceIsNeverHeld() {
        Quiet r = new Quiet(loop.eventLoop());
        assertThat(r.holdState).isEqualTo(HoldState.NOT_HELD);
        assertThat(gate.enter(r)).isEqualTo(Admission.FORWARD);
        assertThat(r.holdState).isEqualTo(HoldState.NOT_HELD);
        gate.exit(r);
    }

    @Test
    void releasedWhenThePauseEnds() {
        String lease = pause();
        Quiet r = held();
        gate.resume(lease, false);
        settle();
        assertThat(r.holdState).isEqualTo(HoldState.RELEASED);
        gate.exit(r);
    }

    @Test
    void timedOutAfterQueueTimeout() {
        pause();
        Quiet r = held();
        ticker.advance(30, TimeUnit.SECONDS);
        settle();
        assertThat(r.holdState).isEqualTo(HoldState.TIMED_OUT);
    }

    @Test
    void clientGoneWhenAbandoned() {
        pause();
        Quiet r = held();
        gate.abandon(r);
        settle();
        assertThat(r.holdState).isEqualTo(HoldState.CLIENT_GONE);
        ticker.advance(30, TimeUnit.SECONDS);
        settle();
        assertThat(r.holdState).as("settled once, never again").isEqualTo(HoldState.CLIENT_GONE);
    }

    @Test
    void shutdown() {
        pause();
        Quiet r = held();
        gate.shutdown();
        settle();
        assertThat(r.holdState).isEqualTo(HoldState.SHUTDOWN);
    }

    /** A request whose callbacks do nothing: the test reads its hold state. */
    static final class Quiet extends GatedRequest {
        Quiet(EventLoop loop) {
            super(loop, "GET", "/x", "", 10);
        }

        @Override
        protected void onRelease(long heldNanos) {
        }

        @Override
        protected void onRefuse(Refusal why) {
        }
    }
}
