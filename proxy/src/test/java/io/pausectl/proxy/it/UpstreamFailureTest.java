package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** 502 and 504: what a client sees when the upstream cannot be reached, breaks or is too slow. */
class UpstreamFailureTest {
    TestUpstream upstream;
    /** Bound but not listening: connections to its port are refused, and nobody else can take it. */
    Socket refusing;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        refusing = new Socket();
        refusing.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws IOException {
        upstream.close();
        refusing.close();
    }

    private int closedPort() {
        return refusing.getLocalPort();
    }

    @Test
    void anUnreachableUpstreamIs502AfterTheQueueTimeoutAndTheClientConnectionLives() throws Exception {
        // A refused connect sent nothing, so the request waits for the upstream to come back, for
        // as long as it could have been held.
        try (ProxyFixture proxy = ProxyFixture.start(
                List.of("http://127.0.0.1:" + closedPort()), "queue-timeout", "300ms");
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("connection")).isNull();
            Response again = c.send("GET /y HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(again.status()).isEqualTo(502);
            assertThat(again.bodyText()).isEqualTo("502 Bad Gateway: cannot connect to the upstream\n");
            // Tried again and again, with growing pauses, until the deadline.
            assertThat(proxy.upstreamErrors("connect")).isGreaterThan(2);
            // Counted once the response is written, which may be just after the client read it.
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.requests("5xx") == 2);
        }
    }

    @Test
    void anUnreachableUpstreamWithABodyPendingCloses() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                List.of("http://127.0.0.1:" + closedPort()), "queue-timeout", "300ms");
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aFailedConnectMovesOnToTheNextUpstream() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(
                List.of("http://127.0.0.1:" + closedPort(), upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 4; i++) {
                assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            }
            assertThat(upstream.seen()).hasSize(4);
            // The dead one is skipped for a while after it failed, not tried by every request.
            assertThat(proxy.upstreamErrors("connect")).isEqualTo(1);
        }
    }

    @Test
    void requestsGoRoundRobinOverTheUpstreams() throws Exception {
        try (TestUpstream second = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start( List.of(upstream.url(), second.url()));
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 6; i++) {
                assertThat(c.send("GET /echo?i=" + i + " HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            }
            assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo?i=0", "/echo?i=2", "/echo?i=4");
            assertThat(second.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo?i=1", "/echo?i=3", "/echo?i=5");
        }
    }

    @Test
    void anUpstreamClosingBeforeAnsweringAPostIs502AndThePostIsNotSentTwice() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send("POST /reset HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo", "/reset");
            assertThat(proxy.upstreamErrors("reset")).isEqualTo(1);
        }
    }

    @Test
    void aGetThatAReusedConnectionClosesUnderIsSentOnceMoreOnAFreshOneAndNoMore() throws Exception {
        // /reset closes every time: the one retry (on a fresh connection) meets a close too, and
        // that one, on a connection never used before, is the upstream's answer: 502.
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send("GET /reset HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo", "/reset", "/reset");
            assertThat(proxy.upstreamErrors("reset")).isEqualTo(2);
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void aResponseCutShortIsCutForTheClientToo() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            c.send("GET /cut HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThatThrownBy(c::read).isInstanceOf(IOException.class).hasMessage("closed after 10 of 100 body bytes");
            assertThat(proxy.upstreamErrors("reset")).isEqualTo(1);
        }
    }

    @Test
    void aCloseDelimitedResponseCutByAChunkedClientIsNeverTerminated() throws Exception {
        // Sanity for the opposite case: a close-delimited body ends cleanly at the close, and the
        // client gets a proper chunked terminator.
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /close-delimited HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.bodyText()).isEqualTo("until-close-body");
            assertThat(proxy.upstreamErrors("reset")).isZero();
        }
    }

    @Test
    void bytesAnUpstreamSendsAfterAResponseNeverAnswerTheNextRequest() throws Exception {
        // The extra response arrives with the first one, before the proxy wrote the second
        // request: it answers nothing. Reusing the connection for the pipelined request would hand
        // it the stray bytes (and leave its real answer for whoever came next).
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            c.send("GET /stray HTTP/1.1\r\nHost: a\r\n\r\nGET /echo?second HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().bodyText()).isEqualTo("stray");
            Response second = c.read();
            assertThat(second.bodyText()).isEmpty();
            assertThat(second.header("x-path")).isEqualTo("/echo");
            Response third = c.send("GET /echo?third HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(third.header("x-path")).isEqualTo("/echo");
            assertThat(upstream.connections()).as("the out-of-step connection was closed").isEqualTo(2);
        }
    }

    @Test
    void anUpstreamSpeakingGarbageIs502() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /garbage HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(502);
            assertThat(proxy.upstreamErrors("protocol")).isEqualTo(1);
        }
    }

    @Test
    void anUploadLongerThanTheUpstreamTimeoutIsNotCutWhileItProgresses() throws Exception {
        // The timeout is for an upstream that stays silent; a client still sending its body is
        // progress, and the upstream cannot answer before it has read it.
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-timeout", "500ms");
             RawClient c = new RawClient(proxy.port)) {
            int pieces = 10;
            c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: " + pieces * 10 + "\r\n\r\n");
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < pieces; i++) {
                String piece = "piece-" + i + "...";
                sent.append(piece);
                c.send(piece);
                // A slow client: paced writes, 1 s in all, twice the timeout (each gap well under it).
                java.util.concurrent.TimeUnit.MILLISECONDS.sleep(100);
            }
            Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(sent.toString());
            assertThat(proxy.upstreamErrors("timeout")).isZero();
        }
    }

    @Test
    void anUpstreamThatStopsReadingAnUploadIs504AfterTheTimeout() throws Exception {
        // Progress is what keeps the clock from running out: an upstream that reads nothing more
        // still gets the 504, and the client connection closes (its body was not all read).
        byte[] body = TestUpstream.pattern(48 << 20);
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-timeout", "500ms");
             RawClient c = new RawClient(proxy.port)) {
            java.util.concurrent.CompletableFuture<Void> upload = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    c.send("POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
                    c.send(body);
                } catch (IOException e) {
                    // the proxy closed the connection after its 504
                }
            });
            Response r = c.read();
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("connection")).isEqualTo("close");
            upload.get(10, java.util.concurrent.TimeUnit.SECONDS);
            // The half-sent upstream connection was closed, not pooled: the upstream, reading
            // again, finds it closed (and releases what it had aggregated).
            upstream.unstall();
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.closedConnections() == 1);
        }
    }

    @Test
    void aResponseBodyThatStallsIsCutAfterTheUpstreamTimeout() throws Exception {
        // As HAProxy's "timeout server": the upstream may not go silent in the middle of a body
        // either. The head already went out, so the client connection is cut (not a 504), and the
        // client cannot take the part it got as the whole response.
        for (String path : List.of("/trickle", "/trickle?chunked=1")) {
            try (ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-timeout", "300ms");
                 RawClient c = new RawClient(proxy.port)) {
                long start = System.nanoTime();
                c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThatThrownBy(c::read).as(path).isInstanceOf(IOException.class)
                        .hasMessageNotContaining("timed out");
                assertThat((System.nanoTime() - start) / 1_000_000).as(path).isBetween(250L, 8000L);
                assertThat(proxy.upstreamErrors("timeout")).as(path).isEqualTo(1);
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.requests("5xx") == 1);
            }
        }
    }

    @Test
    void aClientThatReadsSlowlyIsNotTakenForAStalledUpstream() throws Exception {
        // The proxy stops reading the upstream while the client does not take the response: that
        // silence is the proxy's own, and the upstream timeout does not run during it.
        int size = 32 << 20;
        // A timeout long enough that a loaded test machine does not make the upstream itself late.
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-timeout", "2s");
             RawClient c = new RawClient(proxy.port, 8192)) {
            c.send("GET /flood?size=" + size + " HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(upstream::floodBlocked);
            // The client is busy for two upstream timeouts and more before it reads.
            java.util.concurrent.TimeUnit.MILLISECONDS.sleep(4500);
            assertThat(c.readCountingBody()).isEqualTo(size);
            assertThat(proxy.upstreamErrors("timeout")).isZero();
        }
    }

    @Test
    void noResponseHeadInTimeIs504() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-timeout", "300ms");
             RawClient c = new RawClient(proxy.port)) {
            long start = System.nanoTime();
            Response r = c.send("GET /slow?ms=5000 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(504);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 4000L);
            assertThat(proxy.upstreamErrors("timeout")).isEqualTo(1);
            // The late upstream connection was closed, not pooled: the next request works.
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
    }
}
