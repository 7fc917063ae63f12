package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A release into an upstream with a small listen queue (issue 9): {@code python3 -m http.server}, the
 * README's own upstream, has a queue of 5 and one thread accepting. The drain opened up to
 * {@code --drain-concurrency} (256) connections at once; the kernel dropped what did not fit, and
 * requests on those connections were reset after they were sent (502, never sent again, as the
 * proxy cannot know the upstream did not act) or stalled until {@code --upstream-timeout} (504).
 * New connections are now paced per upstream ({@code ConnectionPacer}): every request is answered
 * 200 and none reaches the upstream twice. (On the proxy before, this test saw 141 of the 300
 * answered 502, all of them POSTs.)
 *
 * <p>The pacer alone still lost a POST now and then (one 502 in CI; 10 in 1 of 6 runs here): it
 * learns the queue's size by overflowing it, and a connection whose handshake the upstream answered
 * with a SYN cookie while its accept queue was full exists on the proxy's side only, so the body's
 * segments behind the dropped first one failed the cookie check and were reset ({@code
 * SyncookiesFailed} in {@code /proc/net/netstat} rose by exactly the 502s). A request with a body
 * now sends one byte on a new connection until the upstream's kernel acknowledged it
 * ({@code AcceptGate}): 30 runs, none failed.
 */
class SmallListenQueueDrainTest {

    @Test
    void aReleaseIntoAnUpstreamWithAListenQueueOfFiveFailsNoRequest() throws Exception {
        int count = 300;
        byte[] body = TestUpstream.pattern(64 * 1024);
        // A queue of 5, one accept per millisecond.
        TestUpstream upstream = TestUpstream.withListenQueue(5, 1000);
        try (PauseFixture fx = PauseFixture.startBefore(upstream.url(), "upstream-timeout", "20s",
                "queue-timeout", "2m")) {
            Status paused = fx.pause("{}");
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RawClient c = fx.client();
                if (i % 2 == 0) {
                    c.send(PauseFixture.request("GET", "/echo", "q-" + i));
                } else {
                    c.send(("POST /echo HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: q-" + i + "\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    c.send(body);
                }
                clients.add(c);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.status().queueDepth() == count);
            fx.resume(paused.lease().id());
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RawClient c = clients.get(i);
                c.setReadTimeout(90_000);
                Response r = c.read();
                if (r.status() != 200) {
                    failed.add("q-" + i + " " + r.status());
                }
            }
            assertThat(failed).as("requests not answered 200").isEmpty();
            assertThat(upstream.duplicates()).as("requests sent twice").isEmpty();
            assertThat(upstream.received()).isEqualTo(count);
        } finally {
            upstream.close();
        }
    }
}
