package io.pausectl.proxy.pause;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code "waitIdle":"0s"} on an idle proxy must answer {@code paused} (review, session 7): the gate
 * answered before its census of the event loops had run, so it said {@code pausing} with nothing
 * in flight, and {@code pausectl run --wait-idle 0} exited 3 without running its command, at random
 * (3 runs of 3 with {@code pausectl pause}).
 */
class WaitIdleZeroTest {

    @Test
    void anIdleProxyAnswersPausedEveryTime() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            // Both event loops serve a request first, so the census has loops to visit.
            for (int i = 0; i < 4; i++) {
                Response r = fx.client().send(request("GET", "/warm", "w" + i)).read();
                assertThat(r.status()).isEqualTo(200);
            }
            for (int i = 0; i < 20; i++) {
                Status s = fx.pause("{\"reason\":\"r\",\"holder\":\"h\",\"ttl\":\"10s\",\"waitIdle\":\"0s\"}");
                assertThat(s.state()).as("pause %d of 20", i + 1).isEqualTo(PauseState.PAUSED);
                assertThat(s.inFlightInScope()).isZero();
                fx.resume(s.lease().id());
            }
        }
    }
}
