package io.pausectl.bench.scenario;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's narration of the pause says only what is true in the proxy's state (review, session 7). */
class WindowNarrationTest {

    private static Status status(PauseState state, int held, long inFlight) {
        return new Status(state, held, 0, inFlight, inFlight, 1786, null, null, held, null);
    }

    @Test
    void onlyWhilePausedIsNothingSentToTheUpstream() {
        assertThat(WindowScenario.progress(status(PauseState.PAUSED, 535, 0))).isEqualTo(
                "proxy is paused: holding 535 request(s), the oldest for 1786 ms; nothing sent to the upstream meanwhile");
        assertThat(WindowScenario.progress(status(PauseState.PAUSING, 12, 3))).isEqualTo(
                "proxy is pausing: holding 12 request(s), the oldest for 1786 ms; new requests held while 3 in flight"
                        + " finish");
        assertThat(WindowScenario.progress(status(PauseState.DRAINING, 132, 0))).isEqualTo(
                "proxy is draining: releasing the held requests to the upstream in order, 132 still held")
                .doesNotContain("nothing sent");
    }
}
