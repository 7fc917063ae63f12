package io.pausectl.proxy.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The gate's meters read only what {@link GateReadings} offers, at each scrape. */
class ProxyMetricsGateTest {

    @Test
    void gateMetersFollowTheReadings() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Readings gate = new Readings();
        new ProxyMetrics(registry).bindGate(gate);

        assertThat(registry.get("pauseproxy.state").tag("state", "running").gauge().value()).isEqualTo(1);
        assertThat(registry.get("pauseproxy.state").tag("state", "paused").gauge().value()).isZero();
        assertThat(registry.get("pauseproxy.queue.limit.depth").gauge().value()).isEqualTo(100);
        assertThat(registry.get("pauseproxy.queue.limit.bytes").gauge().value()).isEqualTo(4096);

        gate.state = PauseState.PAUSED;
        gate.depth = 3;
        gate.bytes = 300;
        gate.inFlight = 2;
        gate.counters = new Counters(9, 1, 2, 3, 4, 5, 6, 7);
        assertThat(registry.get("pauseproxy.state").tag("state", "paused").gauge().value()).isEqualTo(1);
        assertThat(registry.get("pauseproxy.queue.depth").gauge().value()).isEqualTo(3);
        assertThat(registry.get("pauseproxy.queue.bytes").gauge().value()).isEqualTo(300);
        assertThat(registry.get("pauseproxy.inflight.requests").gauge().value()).isEqualTo(2);
        assertThat(registry.get("pauseproxy.held").tag("outcome", "released").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("pauseproxy.held").tag("outcome", "timed_out").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("pauseproxy.held").tag("outcome", "rejected").functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("pauseproxy.held").tag("outcome", "client_gone").functionCounter().count())
                .isEqualTo(4);
        assertThat(registry.get("pauseproxy.held").tag("outcome", "shutdown").functionCounter().count()).isEqualTo(7);
        assertThat(registry.get("pauseproxy.pauses").tag("end", "resumed").functionCounter().count()).isEqualTo(5);
        assertThat(registry.get("pauseproxy.pauses").tag("end", "expired").functionCounter().count()).isEqualTo(6);
        assertThat(registry.get("pauseproxy.drain.start.timeouts").functionCounter().count()).isZero();
        gate.drainStartTimeouts = 3;
        assertThat(registry.get("pauseproxy.drain.start.timeouts").functionCounter().count()).isEqualTo(3);
    }

    private static final class Readings implements GateReadings {
        volatile PauseState state = PauseState.RUNNING;
        volatile int depth;
        volatile long bytes;
        volatile long inFlight;
        volatile Counters counters = new Counters(0, 0, 0, 0, 0, 0, 0, 0);
        volatile long drainStartTimeouts;

        @Override
        public long drainStartTimeouts() {
            return drainStartTimeouts;
        }

        @Override
        public PauseState state() {
            return state;
        }

        @Override
        public int queueDepth() {
            return depth;
        }

        @Override
        public long queuedBytes() {
            return bytes;
        }

        @Override
        public long inFlight() {
            return inFlight;
        }

        @Override
        public Counters counters() {
            return counters;
        }

        @Override
        public int maxQueued() {
            return 100;
        }

        @Override
        public long maxQueuedBytes() {
            return 4096;
        }
    }
}
