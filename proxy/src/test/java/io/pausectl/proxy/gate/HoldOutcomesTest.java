package io.pausectl.proxy.gate;

import io.pausectl.api.Counters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HoldOutcomesTest {
    private final HoldOutcomes outcomes = new HoldOutcomes();

    @Test
    void eachOutcomeCountsInItsOwnCounter() {
        outcomes.held();
        outcomes.held();
        outcomes.rejected();
        outcomes.maintenanceAnswered();
        outcomes.ended(HoldState.RELEASED);
        outcomes.ended(HoldState.TIMED_OUT);
        outcomes.ended(HoldState.TIMED_OUT);
        outcomes.ended(HoldState.CLIENT_GONE);
        outcomes.ended(HoldState.SHUTDOWN);
        outcomes.ended(HoldState.CANCELLED);
        outcomes.ended(HoldState.MAINTENANCE);
        outcomes.pauseEnded(true);
        outcomes.pauseEnded(false);
        outcomes.pauseEnded(false);

        assertThat(outcomes.counters()).isEqualTo(new Counters(2, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1));
    }

    @Test
    void startsAtZero() {
        assertThat(outcomes.counters()).isEqualTo(new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aStateThatIsNotAnEndIsRefused() {
        assertThatThrownBy(() -> outcomes.ended(HoldState.HELD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> outcomes.ended(HoldState.NOT_HELD)).isInstanceOf(IllegalArgumentException.class);
        assertThat(outcomes.counters()).isEqualTo(new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void everyRefusalEndsInAStateOfItsOwn() {
        assertThat(HoldState.refusedBy(Refusal.TIMED_OUT)).isEqualTo(HoldState.TIMED_OUT);
        assertThat(HoldState.refusedBy(Refusal.SHUTDOWN)).isEqualTo(HoldState.SHUTDOWN);
        assertThat(HoldState.refusedBy(Refusal.CANCELLED)).isEqualTo(HoldState.CANCELLED);
        assertThat(HoldState.refusedBy(Refusal.MAINTENANCE)).isEqualTo(HoldState.MAINTENANCE);
    }
}
