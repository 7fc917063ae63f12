package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow clients cannot hold the proxy's connections: a request head must be complete within
 * {@code --client-header-timeout} (408, HAProxy's {@code timeout http-request}), however long the
 * idle timeout is, and past {@code --max-connections} a new connection is refused with a clear
 * 503 rather than left to fail on a descriptor limit; once the slow ones are cut, requests flow.
 */
class ClientLimitsTest {
    private static final String GET = "GET /ok HTTP/1.1\r\nHost: app.test\r\n\r\n";

    TestUpstream upstream;
    ProxyFixture proxy;
    final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        proxy = ProxyFixture.start(upstream, "client-idle-timeout", "60s", "client-header-timeout", "1s",
                "max-connections", "8");
    }

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        proxy.close();
        upstream.close();
    }

    private RawClient client() throws Exception {
        RawClient c = new RawClient(proxy.port);
        clients.add(c);
        return c;
    }

    @Test
    void aHeadNotCompleteWithinTheHeaderTimeoutGets408AndTheConnectionCloses() throws Exception {
        RawClient slow = client().send("GET /slow HTTP/1.1\r\nHost: app");
        slow.setReadTimeout(10_000);
        long start = System.nanoTime();
        Response r = slow.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.header("connection")).isEqualToIgnoringCase("close");
        assertThat(slow.orderlyEndOfStream()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(upstream.seen()).isEmpty();
    }

    @Test
    void aHeadStartedInTheSameReadAsAWholeRequestIsTimedToo() throws Exception {
        // One write: a whole request and the start of the next head. The codec used to signal the
        // head's start before handing on the request, whose arrival then cleared the clock: the
        // partial head waited for the idle timeout (60 s here), not the header timeout.
        RawClient c = client().send(GET + "GET /slow HTTP/1.1\r\nHost: app");
        c.setReadTimeout(10_000);
        assertThat(c.read().status()).isEqualTo(200);
        long start = System.nanoTime();
        Response r = c.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(c.orderlyEndOfStream()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(upstream.seen()).hasSize(1);
    }

    @Test
    void aKeepAliveConnectionMayIdleLongerThanTheHeaderTimeout() throws Exception {
        RawClient c = client();
        assertThat(c.send(GET).read().status()).isEqualTo(200);
        assertThat(c.silentFor(1_500)).as("idle between requests is not a slow head").isTrue();
        assertThat(c.send(GET).read().status()).isEqualTo(200);
    }

    @Test
    void slowConnectionsAtTheCapGetNormalRequestsA503NotAHangThenRequestsFlowAgain() throws Exception {
        List<RawClient> slow = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            slow.add(client().send("GET /slow" + i + " HTTP/1.1\r\nHost: app"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.clientConnections() == 8);
        RawClient refused = client();
        refused.setReadTimeout(5_000);
        Response r = refused.send(GET).read();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isNotNull();
        assertThat(r.bodyText()).contains("too many connections");
        assertThat(refused.orderlyEndOfStream()).isTrue();
        for (RawClient s : slow) {
            assertThat(s.read().status()).isEqualTo(408);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.clientConnections() == 0);
        assertThat(client().send(GET).read().status()).isEqualTo(200);
        assertThat(upstream.seen()).hasSize(1);
        assertThat(proxy.metrics.connectionsRefused()).isEqualTo(1);
    }
}
