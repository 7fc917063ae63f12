package io.pausectl.proxy.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The window of unproven connections: slow start, halving on trouble, neutral closes. */
class ConnectionPacerTest {

    @Test
    void startsWithTheInitialWindowAndGrowsByOnePerProvenConnection() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int i = 0; i < ConnectionPacer.INITIAL_WINDOW; i++) {
            assertThat(pacer.tryStart()).as("slot %d", i).isTrue();
        }
        assertThat(pacer.tryStart()).as("the window is full").isFalse();
        pacer.proven(false);
        // One slot freed and the window grew by one: two new connections may start.
        assertThat(pacer.tryStart()).isTrue();
        assertThat(pacer.tryStart()).isTrue();
        assertThat(pacer.tryStart()).isFalse();
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW + 1);
    }

    @Test
    void troubleHalvesTheWindowAndAClosedByTheProxyConnectionChangesNothing() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int i = 0; i < 12; i++) {
            assertThat(pacer.tryStart()).as("slot %d", i).isTrue();
            pacer.proven(false);
        }
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW + 12);
        assertThat(pacer.tryStart()).isTrue();
        pacer.lost();
        assertThat(pacer.window()).isEqualTo((ConnectionPacer.INITIAL_WINDOW + 12) / 2);
        assertThat(pacer.tryStart()).isTrue();
        pacer.forgotten();
        assertThat(pacer.window()).isEqualTo((ConnectionPacer.INITIAL_WINDOW + 12) / 2);
        assertThat(pacer.unproven()).isZero();
        for (int i = 0; i < 10; i++) {
            pacer.shrink();
        }
        assertThat(pacer.window()).as("never below one").isEqualTo(1);
        assertThat(pacer.tryStart()).isTrue();
        assertThat(pacer.tryStart()).isFalse();
    }

    @Test
    void aRetransmissionHalvesTheWindowAndAnExpiredProofWithoutOneKeepsIt() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int i = 0; i < 8; i++) {
            pacer.tryStart();
            pacer.proven(false);
        }
        int w = pacer.window();
        pacer.tryStart();
        pacer.expired(false);
        assertThat(pacer.window()).as("a slow answer or a long poll").isEqualTo(w);
        pacer.tryStart();
        pacer.proven(true);
        assertThat(pacer.window()).as("a packet of a new connection was dropped").isEqualTo(w / 2);
        pacer.tryStart();
        pacer.expired(true);
        assertThat(pacer.window()).isEqualTo(w / 4);
        assertThat(pacer.unproven()).isZero();
    }

    @Test
    void afterAnIdleGapTheWindowStartsAgainFromTheInitialOne() {
        long[] now = {0};
        ConnectionPacer pacer = new ConnectionPacer(() -> now[0]);
        for (int i = 0; i < 20; i++) {
            pacer.tryStart();
            pacer.proven(false);
        }
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW + 20);
        now[0] += ConnectionPacer.IDLE_RESTART_NANOS + 1;
        assertThat(pacer.tryStart()).isTrue();
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW);
    }

    @Test
    void aSlowConnectIsFourTimesTheSmoothedConnectTimeWithinItsBounds() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        assertThat(pacer.slowConnectNanos()).isEqualTo(ConnectionPacer.MAX_SLOW_CONNECT_NANOS);
        pacer.connectTook(50_000);
        assertThat(pacer.slowConnectNanos()).isEqualTo(ConnectionPacer.MIN_SLOW_CONNECT_NANOS);
        for (int i = 0; i < 200; i++) {
            pacer.connectTook(40_000_000);
        }
        assertThat(pacer.slowConnectNanos()).isBetween(150_000_000L, 160_000_000L);
    }
}
