package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.proxy.testing.ScriptedUpstream;
import io.pausectl.testkit.http.TestUpstream;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The upstream half of an exchange at its edges (issue 9): pooled connections that die idle,
 * upstreams that refuse connections for a while, early answers, bad framing, interim answers,
 * target bytes, and clients that stop reading. Each test failed on the proxy before the fix.
 */
class UpstreamEdgesTest {

    // ---- 1. idle pooled connections ----------------------------------------------------------

    @Test
    void aPooledConnectionIdleLongerThanTheIdleTimeoutIsClosedNotReused() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-idle-timeout", "200ms");
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            // The proxy closes it itself, before an upstream's own keep-alive timeout would.
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections() == 1);
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    @Test
    void aPooledConnectionUsedWithinTheIdleTimeoutIsReused() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "upstream-idle-timeout", "30s");
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            }
            assertThat(upstream.connections()).isEqualTo(1);
        }
    }

    /**
     * Each connection answers its first request, then closes on the second without answering:
     * what a reused connection looks like when the upstream's keep-alive timer fires as the
     * request arrives.
     */
    private static ScriptedUpstream dyingOnSecondRequest() throws IOException {
        return new ScriptedUpstream((c, n) -> {
            if (c.readHead() == null) {
                return;
            }
            c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            c.readHead();
            // closes without answering
        });
    }

    @Test
    void aSafeRequestMeetingAReusedConnectionClosingIsSentOnceMoreOnAFreshOne() throws Exception {
        try (ScriptedUpstream upstream = dyingOnSecondRequest();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send("GET /b HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
            assertThat(upstream.heads()).hasSize(3);
        }
    }

    /**
     * Under the default {@code --upstream-reuse safe} a POST never takes a pooled connection
     * (UpstreamReuseTest); under {@code always} it may, and meeting one closing is a 502, never a
     * second send.
     */
    @Test
    void aPostMeetingAReusedConnectionClosingIsNeverSentTwice() throws Exception {
        try (ScriptedUpstream upstream = dyingOnSecondRequest();
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()), "upstream-reuse", "always");
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response r = c.send("POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(upstream.heads()).hasSize(2);
            assertThat(upstream.connections()).isEqualTo(1);
        }
    }

    // ---- 2. a connect that fails sends nothing -----------------------------------------------

    @Test
    void aRequestWaitsForARefusingUpstreamToComeBackWithinTheQueueTimeout() throws Exception {
        Socket refusing = new Socket();
        refusing.setReuseAddress(true);
        refusing.bind(new InetSocketAddress("127.0.0.1", 0));
        int port = refusing.getLocalPort();
        TestUpstream back = null;
        try (ProxyFixture proxy = ProxyFixture.start(List.of("http://127.0.0.1:" + port), "queue-timeout", "20s");
             RawClient c = new RawClient(proxy.port)) {
            c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.upstreamErrors("connect") >= 2);
            refusing.close();
            back = new TestUpstream(port);
            Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello");
            assertThat(back.seen()).hasSize(1);
        } finally {
            refusing.close();
            if (back != null) {
                back.close();
            }
        }
    }

    // ---- 3. an early answer during an upload -------------------------------------------------

    @Test
    void anEarlyAnswerDuringAnUploadIsRelayedNotTurnedInto502() throws Exception {
        byte[] body = TestUpstream.pattern(8 << 20);
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
            c.readHead();
            c.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large");
            // closes without reading the body: the proxy's writes then fail
        }); ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()))) {
            for (int i = 0; i < 10; i++) {
                try (RawClient c = new RawClient(proxy.port)) {
                    CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                        try {
                            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
                            c.send(body);
                        } catch (IOException e) {
                            // the proxy closes after the answer, with the body unread
                        }
                    });
                    Response r = c.read();
                    assertThat(r.status()).as("try %d", i).isEqualTo(413);
                    assertThat(r.bodyText()).isEqualTo("too large");
                    upload.get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    // ---- 4. upstream framing -----------------------------------------------------------------

    private static void answersWith(String response, int status) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
            c.readHead();
            c.write(response);
        }); ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).as(response).isEqualTo(status);
            if (status == 502) {
                assertThat(proxy.upstreamErrors("protocol")).isEqualTo(1);
            }
        }
    }

    @Test
    void conflictingContentLengthsFromAnyUpstreamVersionAre502() throws Exception {
        answersWith("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world", 502);
        answersWith("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world", 502);
        answersWith("HTTP/1.0 200 OK\r\nContent-Length: 5, 11\r\n\r\nhello world", 502);
    }

    @Test
    void ambiguousTransferEncodingFromTheUpstreamIs502() throws Exception {
        answersWith("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 502);
        answersWith("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 502);
    }

    @Test
    void repeatedEqualContentLengthsAreOneLength() throws Exception {
        answersWith("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 200);
    }

    // ---- 5. interim responses ----------------------------------------------------------------

    private static final String EARLY_HINTS = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void earlyHintsReachAnHttp11Client() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
            while (c.readHead() != null) {
                c.write(EARLY_HINTS);
            }
        }); ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            for (int i = 0; i < 2; i++) {
                c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
                Response interim = c.read();
                assertThat(interim.status()).isEqualTo(103);
                assertThat(interim.header("link")).isEqualTo("</style.css>; rel=preload");
                Response last = c.read();
                assertThat(last.status()).isEqualTo(200);
                assertThat(last.bodyText()).isEqualTo("ok");
            }
        }
    }

    @Test
    void interimResponsesNeverReachAnHttp10Client() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
            c.readHead();
            c.write(EARLY_HINTS);
        }); ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /x HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok");
        }
    }

    // 6. request-target bytes: UpstreamHttpCodecTest, and over sockets
    // RequestTargetValidationTest's "bytes over 0x7F" case.

    // ---- 7. a client that stops reading ------------------------------------------------------

    @Test
    void aClientThatStopsReadingIsCutAfterTheSendTimeoutAndItsUpstreamConnectionFreed() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "client-send-timeout", "500ms");
             RawClient c = new RawClient(proxy.port, 4096)) {
            c.send("GET /flood?size=" + (64 << 20) + " HTTP/1.1\r\nHost: a\r\n\r\n");
            // Never reads: the proxy gives up on it and closes the upstream connection it held.
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.clientConnections() == 0);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(upstream.closedConnections()).isEqualTo(1));
        }
    }

    @Test
    void aSlowReaderThatKeepsReadingIsNotCut() throws Exception {
        int size = 4 << 20;
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "client-send-timeout", "1s");
             RawClient c = new RawClient(proxy.port, 4096)) {
            c.send("GET /bytes?size=" + size + " HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.readCountingBody()).isEqualTo(size);
        }
    }

    /**
     * A client that reads slowly but never stops (a small receive buffer, a little every 20 ms) is
     * served from the kernel's send buffer, which on loopback grows to megabytes: the proxy's own
     * buffer does not move for many send timeouts. It was cut at the first or second look (a slow
     * reader cut at 60 s on io_uring and 120 s on epoll with the default timeout); the kernel now
     * says that it took bytes. NIO cannot ask the kernel ({@code ClientSendProgress}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aSlowReaderServedFromTheKernelsSendBufferIsNotCut(String transport) throws Exception {
        assumeTrue("io_uring".equals(transport) ? IoUring.isAvailable() : Epoll.isAvailable(), transport);
        int size = 8 << 20;
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "client-send-timeout", "1s", "transport", transport);
             Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /bytes?size=" + size + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            for (int tail = 0; tail != 0x0d0a0d0a; ) {
                int b = in.read();
                assertThat(b).as("a response head").isNotNegative();
                tail = tail << 8 | b;
            }
            byte[] buf = new byte[65536];
            long got = 0;
            // Three looks of the send timer, at about 100 KB a second: a few percent of what the kernel holds.
            long slowUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() - slowUntil < 0) {
                int n = in.read(buf, 0, 2048);
                assertThat(n).as("the proxy ended the response after %d bytes", got).isPositive();
                got += n;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertThat(proxy.server.clientConnections()).isEqualTo(1);
            for (int n; got < size && (n = in.read(buf, 0, (int) Math.min(buf.length, size - got))) > 0; ) {
                got += n;
            }
            // The whole body came: the proxy did not end the response early.
            assertThat(got).isEqualTo(size);
        }
    }
}
