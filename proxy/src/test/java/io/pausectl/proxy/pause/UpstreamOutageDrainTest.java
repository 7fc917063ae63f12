package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.proxy.testing.RawClient;
import io.pausectl.proxy.testing.RawClient.Response;
import io.pausectl.proxy.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Held requests released into an upstream outage (issue 9, fault 2): the upstream stops as the held
 * queue starts to drain and comes back on the same port within the queue timeout. A request whose
 * connection was refused was never sent, so it waits for the upstream instead of failing. (The
 * upstream stops before the first release so that no request is inside it when it goes: one that
 * was may be answered 502, as it may have been acted on.)
 */
class UpstreamOutageDrainTest {

    @Test
    void heldRequestsReleasedIntoAnOutageWaitForTheUpstreamAndNoneIs502() throws Exception {
        int count = 30;
        TestUpstream first = new TestUpstream();
        int port = first.port();
        TestUpstream second = null;
        // One release every 50 ms: the outage spans many releases.
        try (PauseFixture fx = PauseFixture.startBefore(first.url(), "drain-rate", "20", "queue-timeout", "20s")) {
            Status paused = fx.pause("{}");
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RawClient c = fx.client();
                c.send(request(i % 2 == 0 ? "GET" : "POST", "/echo", "held-" + i));
                clients.add(c);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().queueDepth() == count);
            // Pooled connections from before the pause (none here: every client is new) would be
            // closed with it; the upstream is gone when the drain starts.
            first.close();
            fx.resume(paused.lease().id());
            // Down long enough for several releases to meet a refused connection.
            await().atMost(Duration.ofSeconds(10)).until(() -> connectErrors(fx) >= 3);
            second = new TestUpstream(port);
            for (int i = 0; i < count; i++) {
                Response r = clients.get(i).read();
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
            }
            assertThat(first.seen()).isEmpty();
            assertThat(second.seen()).hasSize(count);
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    private static double connectErrors(PauseFixture fx) throws Exception {
        Matcher m = CONNECT_ERRORS.matcher(fx.admin("GET", "/metrics", null).body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static final Pattern CONNECT_ERRORS =
            Pattern.compile("(?m)^pauseproxy_upstream_errors_total\\{kind=\"connect\"[^}]*} (\\S+)$");
}
