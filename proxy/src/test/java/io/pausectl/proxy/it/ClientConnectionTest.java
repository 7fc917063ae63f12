package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Expect: 100-continue, idle clients and backpressure on a client connection. */
class ClientConnectionTest {
    TestUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void expectContinueIsAnsweredByTheProxyAndNotPassedOn() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            Response interim = c.read();
            assertThat(interim.status()).isEqualTo(100);
            Response r = c.send("hello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello");
            assertThat(upstream.seen().get(0).headers().contains("expect")).isFalse();
            assertThat(upstream.seen().get(0).bodyText()).isEqualTo("hello");
        }
    }

    @Test
    void anIdleClientIsClosed() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "client-idle-timeout", "500ms");
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            long start = System.nanoTime();
            c.setReadTimeout(5000);
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));
        }
    }

    @Test
    void aBusyExchangeIsNotAnIdleClient() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream, "client-idle-timeout", "300ms");
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /slow?ms=1200 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("slow");
        }
    }

    @Test
    void aClientThatStopsReadingStopsTheUpstream() throws Exception {
        // More than every socket buffer on the way can hold (loopback autotuning allows tens of MiB).
        long size = 64L << 20;
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            c.send("GET /flood?size=" + size + " HTTP/1.1\r\nHost: a\r\n\r\n");
            // Not reading: the proxy must stop reading the upstream instead of buffering it all,
            // so the upstream finds its socket full.
            await().atMost(Duration.ofSeconds(20)).until(upstream::floodBlocked);
            assertThat(c.readCountingBody()).isEqualTo(size);
        }
    }

    @Test
    void anHttp10ClientAskingForKeepAliveKeepsItWhenTheLengthIsKnown() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /bytes?size=10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r.body()).hasSize(10);
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            Response chunked = c.send("GET /chunked?n=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(chunked.bodyText()).isEqualTo("chunk-0;chunk-1;");
            assertThat(chunked.framing()).as("never chunked to HTTP/1.0").isEqualTo(RawClient.Framing.CLOSE);
            assertThat(chunked.header("connection")).isEqualTo("close");
        }
    }

    @Test
    void anIdleUpstreamConnectionClosedByTheUpstreamIsNotReused() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /close-after HTTP/1.1\r\nHost: a\r\n\r\n").read().bodyText()).isEqualTo("then-close");
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections() == 1);
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
            assertThat(proxy.upstreamErrors("reset")).isZero();
        }
    }

    @Test
    void anUpstreamThatStopsReadingStopsTheClientUpload() throws Exception {
        byte[] body = TestUpstream.pattern(48 << 20);
        try (ProxyFixture proxy = ProxyFixture.start(upstream); RawClient c = new RawClient(proxy.port)) {
            java.util.concurrent.CompletableFuture<Void> upload = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    c.send("POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
                    c.send(body);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.stalledConnections() == 1);
            // The proxy must stop reading the client rather than buffer 48 MiB: the upload cannot
            // finish while the upstream reads nothing (the socket buffers on the way, autotuned
            // on loopback, hold at most about 20 MiB).
            assertThat(upload).as("upload finished although the upstream read nothing")
                    .failsWithin(Duration.ofMillis(1500)).withThrowableOfType(java.util.concurrent.TimeoutException.class);
            upstream.unstall();
            upload.get(20, java.util.concurrent.TimeUnit.SECONDS);
            Response r = c.read();
            assertThat(r.bodyText()).isEqualTo(Integer.toString(body.length));
            assertThat(upstream.seen().get(0).body()).isEqualTo(body);
        }
    }
}
