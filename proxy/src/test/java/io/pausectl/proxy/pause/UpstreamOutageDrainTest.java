package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
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
 * first test stops the upstream before the first release, so that no request may be inside it when
 * it goes; the second stops it in the middle of the drain, where one inside it may be answered 502,
 * as it may have been acted on.)
 *
 * <p>The second test was disabled for a while: in 3 of 6 runs one GET that the dead upstream never
 * saw got 504 after the whole {@code --upstream-timeout}. The cause was the test's upstream, not the
 * proxy: {@link TestUpstream#close} left a connection accepted during the close open with nobody
 * reading it, which a killed process never does ({@code TestUpstreamCloseTest} shows it). An
 * upstream that accepts a connection and never answers is what {@code --upstream-timeout} is for.
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

    @Test
    void anUpstreamKilledInTheMiddleOfTheDrainFailsOnlyWhatItMayHaveActedOn() throws Exception {
        // The issue's own case: the upstream dies while the held queue drains into it, its pooled
        // connections with it, and comes back on the same port. A request that never reached it
        // (refused, or written to a connection it had closed) is answered 200 by its successor;
        // only one inside it as it died may be 502, and no POST is sent twice.
        int count = 40;
        int servedBefore = 10;
        TestUpstream first = new TestUpstream();
        int port = first.port();
        TestUpstream second = null;
        try (PauseFixture fx = PauseFixture.startBefore(first.url(), "drain-rate", "20", "queue-timeout", "20s")) {
            Status paused = fx.pause("{}");
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RawClient c = fx.client();
                c.send(request(i % 2 == 0 ? "GET" : "POST", "/echo", "held-" + i));
                clients.add(c);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().queueDepth() == count);
            fx.resume(paused.lease().id());
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                    .until(() -> first.seen().size() >= servedBefore);
            first.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> connectErrors(fx) >= 3);
            second = new TestUpstream(port);
            java.util.Set<String> reachedFirst = new java.util.HashSet<>();
            first.seen().forEach(s -> reachedFirst.add(s.headers().get("x-req-id")));
            int failed = 0;
            for (int i = 0; i < count; i++) {
                Response r = clients.get(i).read();
                if (r.status() != 200) {
                    failed++;
                    assertThat(r.status()).as("request %d", i).isEqualTo(502);
                    assertThat(reachedFirst).as("request %d failed without reaching the upstream that died", i)
                            .contains("held-" + i);
                }
            }
            assertThat(reachedFirst.size()).isGreaterThanOrEqualTo(servedBefore);
            assertThat(failed).as("requests inside the upstream as it died").isLessThanOrEqualTo(2);
            List<String> all = new ArrayList<>();
            first.seen().forEach(s -> all.add(s.method() + " " + s.headers().get("x-req-id")));
            second.seen().forEach(s -> all.add(s.method() + " " + s.headers().get("x-req-id")));
            assertThat(all.stream().filter(s -> s.startsWith("POST ")).toList()).as("no POST sent twice")
                    .doesNotHaveDuplicates();
            assertThat(second.seen().size()).isGreaterThanOrEqualTo(count - reachedFirst.size());
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
