package io.pausectl.proxy.upstream;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The window of unproven connections: slow start while it is used, halving on trouble, neutral closes. */
class ConnectionPacerTest {

    /**
     * Fills the window and proves every connection, last slot first: each connection that used more
     * than half the window grows it by one (4 → 6 → 8 → 11 → 15).
     */
    private static void fillAndProve(ConnectionPacer pacer, int rounds) {
        for (int r = 0; r < rounds; r++) {
            int w = pacer.window();
            int[] slots = new int[w];
            for (int i = 0; i < w; i++) {
                slots[i] = pacer.tryStart();
                assertThat(slots[i]).as("slot %d of %d", i, w).isEqualTo(i + 1);
            }
            for (int i = w - 1; i >= 0; i--) {
                pacer.proven(false, slots[i]);
            }
        }
    }

    @Test
    void startsWithTheInitialWindowAndGrowsByOneForAConnectionThatUsedMoreThanHalfOfIt() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int i = 0; i < ConnectionPacer.INITIAL_WINDOW; i++) {
            assertThat(pacer.tryStart()).as("slot %d", i).isEqualTo(i + 1);
        }
        assertThat(pacer.tryStart()).as("the window is full").isZero();
        pacer.proven(false, ConnectionPacer.INITIAL_WINDOW);
        // One slot freed and the window grew by one: two new connections may start.
        assertThat(pacer.tryStart()).isEqualTo(ConnectionPacer.INITIAL_WINDOW);
        assertThat(pacer.tryStart()).isEqualTo(ConnectionPacer.INITIAL_WINDOW + 1);
        assertThat(pacer.tryStart()).isZero();
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW + 1);
        pacer.proven(false, 2);
        assertThat(pacer.window()).as("a connection that used half the window or less proves nothing more")
                .isEqualTo(ConnectionPacer.INITIAL_WINDOW + 1);
    }

    @Test
    void connectionsOneAtATimeNeverGrowTheWindowPastWhatWasProven() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int i = 0; i < 1000; i++) {
            int slot = pacer.tryStart();
            assertThat(slot).isEqualTo(1);
            pacer.proven(false, slot);
        }
        assertThat(pacer.window()).isEqualTo(ConnectionPacer.INITIAL_WINDOW);
        fillAndProve(pacer, 3);
        assertThat(pacer.window()).as("it grows while the window is used").isEqualTo(11);
    }

    @Test
    void troubleHalvesTheWindowAndAClosedByTheProxyConnectionChangesNothing() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        fillAndProve(pacer, 2);
        int w = 8;
        assertThat(pacer.window()).isEqualTo(w);
        assertThat(pacer.tryStart()).isEqualTo(1);
        pacer.lost();
        assertThat(pacer.window()).isEqualTo(w / 2);
        assertThat(pacer.tryStart()).isEqualTo(1);
        pacer.forgotten();
        assertThat(pacer.window()).isEqualTo(w / 2);
        assertThat(pacer.unproven()).isZero();
        for (int i = 0; i < 10; i++) {
            pacer.shrink();
        }
        assertThat(pacer.window()).as("never below one").isEqualTo(1);
        assertThat(pacer.tryStart()).isEqualTo(1);
        assertThat(pacer.tryStart()).isZero();
    }

    @Test
    void aRetransmissionHalvesTheWindowAndAnExpiredProofWithoutOneCountsAsProven() {
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        fillAndProve(pacer, 2);
        int w = pacer.window();
        int slot = pacer.tryStart();
        pacer.proven(true, slot);
        assertThat(pacer.window()).as("a packet of a new connection was dropped").isEqualTo(w / 2);
        slot = pacer.tryStart();
        pacer.expired(true, slot);
        assertThat(pacer.window()).isEqualTo(w / 4);
        assertThat(pacer.unproven()).isZero();
    }

    @Test
    void anUpstreamThatAnswersInMoreThanASecondStillLetsTheWindowGrow() {
        // Each new connection's answer takes longer than the proof time: every slot expires, none is
        // answered. Before, an expired slot only freed and the window stayed at 4 for ever (four new
        // connections a second: POSTs under --upstream-reuse safe capped at four a second).
        ConnectionPacer pacer = new ConnectionPacer(() -> 0L);
        for (int round = 0; round < 5; round++) {
            List<Integer> slots = new ArrayList<>();
            for (int s; (s = pacer.tryStart()) > 0; ) {
                slots.add(s);
            }
            slots.forEach(s -> pacer.expired(false, s));
        }
        assertThat(pacer.window()).as("grown as by answers").isGreaterThan(4 * ConnectionPacer.INITIAL_WINDOW);
        assertThat(pacer.unproven()).isZero();
    }

    @Test
    void afterAnIdleGapTheWindowStartsAgainFromTheInitialOne() {
        long[] now = {0};
        ConnectionPacer pacer = new ConnectionPacer(() -> now[0]);
        fillAndProve(pacer, 3);
        assertThat(pacer.window()).isEqualTo(11);
        now[0] += ConnectionPacer.IDLE_RESTART_NANOS + 1;
        assertThat(pacer.tryStart()).isEqualTo(1);
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
