package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.proxy.testing.ScriptedUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which requests may go on a pooled upstream connection (issue 11). An origin may close an idle
 * keep-alive connection at any moment (RFC 9112 §9.6), so a pooled connection's liveness is never
 * proven; a request the proxy will not send twice (RFC 9110 §9.2.2) therefore goes on a fresh
 * connection under the default {@code --upstream-reuse safe}, and only replayable ones reuse. Each
 * origin here closes a connection the moment the proxy could be writing the next request on it; on
 * the proxy before the fix the non-replayable requests got 502.
 */
class UpstreamReuseTest {

    /** Answers the first request of each connection, then closes it (no {@code Connection: close}). */
    private static ScriptedUpstream closingRightAfterItsResponse() throws IOException {
        return new ScriptedUpstream((c, n) -> {
            if (c.readRequest() != null) {
                c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
    }

    /** Answers the first request of each connection, then closes as the second one arrives. */
    private static ScriptedUpstream closingAsTheSecondRequestArrives() throws IOException {
        return new ScriptedUpstream((c, n) -> {
            if (c.readRequest() == null) {
                return;
            }
            c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            c.readHead();
        });
    }

    private static String post(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
    }

    @Test
    void aPostPipelinedBehindAGetNeverMeetsTheConnectionTheOriginClosesAfterItsResponse() throws Exception {
        try (ScriptedUpstream upstream = closingRightAfterItsResponse();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 5; i++) {
                // The POST is read as the GET's response ends, while the origin's close is on its way.
                c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n" + post("/b"));
                assertThat(c.read().status()).as("GET, round %d", i).isEqualTo(200);
                assertThat(c.read().status()).as("POST, round %d", i).isEqualTo(200);
            }
            assertThat(upstream.heads()).hasSize(10);
            assertThat(upstream.heads().stream().filter(h -> h.startsWith("POST"))).hasSize(5);
            // No assertion on the reset counter: on a loaded host the next round's GET may take the
            // POST's pooled connection before its close is read, meet that close and go once more on
            // a fresh connection (a replayable request's retry, counted as a reset). Only a POST on
            // such a connection would be a fault, and it would have been answered 502 above.
        }
    }

    @Test
    void aPostNeverGoesOnAPooledConnectionTheOriginClosesAsItArrives() throws Exception {
        try (ScriptedUpstream upstream = closingAsTheSecondRequestArrives();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send(post("/b")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstream.heads()).hasSize(2);
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    @Test
    void aDeleteWithoutABodyIsReplayableAndIsSentOnceMoreOnAFreshConnection() throws Exception {
        try (ScriptedUpstream upstream = closingAsTheSecondRequestArrives();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            // Idempotent (RFC 9110 §9.2.2) and bodiless: it may reuse, and is retried once when the
            // reused connection closes before any answer.
            Response r = c.send("DELETE /b HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
            assertThat(upstream.heads()).hasSize(3);
        }
    }

    @Test
    void aPutWithABodyIsNotReplayableAndGoesOnAFreshConnection() throws Exception {
        try (ScriptedUpstream upstream = closingAsTheSecondRequestArrives();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send("PUT /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
            assertThat(upstream.heads()).hasSize(2);
        }
    }

    @Test
    void getsKeepReusingPooledConnections() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
            while (c.readRequest() != null) {
                c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        }); ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            }
            assertThat(upstream.connections()).isEqualTo(1);
            // A POST opens its own connection, which then joins the pool for the GETs.
            assertThat(c.send(post("/b")).read().status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    /** How an upstream ends a new connection without a byte of answer. */
    enum Ending {
        /** Reads the request, then closes (FIN): it died, or shut down, after reading. */
        CLOSE_AFTER_READING,
        /** Reads the request, then resets (RST). */
        RESET_AFTER_READING,
        /** Resets at once, unread: the connection sat in the accept queue of a process that died. */
        RESET_UNREAD
    }

    /** Connection 0 ends as {@code ending} says; every later one answers each request 200. */
    private static ScriptedUpstream endingItsFirstConnection(Ending ending) throws IOException {
        return new ScriptedUpstream((c, n) -> {
            if (n == 0) {
                if (ending != Ending.RESET_UNREAD && c.readRequest() == null) {
                    return;
                }
                if (ending != Ending.CLOSE_AFTER_READING) {
                    c.socket.setSoLinger(true, 0);
                }
                c.socket.close();
                return;
            }
            while (c.readRequest() != null) {
                c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void aGetWhoseNewConnectionEndsBeforeAnyAnswerIsSentOnceMore(Ending ending) throws Exception {
        // An origin restarted mid-drain: its new connections are reset unanswered. A GET may be sent
        // again (RFC 9110 §9.2.2), and the fresh connection reaches the origin that answers.
        try (ScriptedUpstream upstream = endingItsFirstConnection(ending);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
            assertThat(upstream.heads()).hasSize(ending == Ending.RESET_UNREAD ? 1 : 2);
            // An unread connection reset at once may be seen dead before it is lent (the pool then
            // connects again: nothing sent, no reset counted) or after the request went on it.
            assertThat(proxy.upstreamErrors("reset")).isLessThanOrEqualTo(1);
            if (ending != Ending.RESET_UNREAD) {
                assertThat(proxy.upstreamErrors("reset")).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Ending.class, names = {"CLOSE_AFTER_READING", "RESET_AFTER_READING"})
    void aPostWhoseNewConnectionEndsAfterItWasReadIs502AndIsNotSentTwice(Ending ending) throws Exception {
        // The origin read it and may have acted on it: never sent twice.
        try (ScriptedUpstream upstream = endingItsFirstConnection(ending);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send(post("/b")).read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(upstream.connections()).isEqualTo(1);
            assertThat(upstream.heads()).hasSize(1);
        }
    }
}
