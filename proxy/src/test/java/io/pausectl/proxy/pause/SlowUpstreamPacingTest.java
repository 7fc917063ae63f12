package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection pacer must not throttle an upstream that answers slowly (found in review of the
 * pacer): a new connection stayed "unproven" until its first response byte, or for a second, and a
 * slot that expired only freed without growing the window. Under {@code --upstream-reuse safe} every
 * POST takes a new connection, so an upstream taking a second or more per answer got four POSTs a
 * second through the whole proxy, for ever (40 POSTs reached it only after ten seconds). A
 * connection whose first byte the upstream's kernel acknowledged is proven now, and an expired one
 * without a retransmission counts as proven: the 40 reach the upstream at once.
 */
class SlowUpstreamPacingTest {

    @Test
    void postsToAnUpstreamThatHasNotAnsweredYetAreNotPacedToFourASecond() throws Exception {
        int count = 40;
        TestUpstream upstream = new TestUpstream();
        try (PauseFixture fx = PauseFixture.startBefore(upstream.url(), "upstream-timeout", "60s")) {
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RawClient c = fx.client();
                c.send("POST /park HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: p-" + i
                        + "\r\nContent-Length: 5\r\n\r\nhello");
                clients.add(c);
            }
            // Before the fix: 4, then 4 more each second (ten seconds for 40). The bound leaves a
            // loaded machine room while staying below what four a second would need.
            await().atMost(Duration.ofSeconds(7)).until(() -> upstream.parked() == count);
            upstream.unpark();
            for (RawClient c : clients) {
                c.setReadTimeout(30_000);
                assertThat(c.read().status()).isEqualTo(200);
            }
            assertThat(upstream.duplicates()).isEmpty();
        } finally {
            upstream.close();
        }
    }
}
