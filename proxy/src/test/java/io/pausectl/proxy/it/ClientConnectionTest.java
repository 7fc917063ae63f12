package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.RawClient;
import io.pausectl.proxy.testing.RawClient.Response;
import io.pausectl.proxy.testing.TestUpstream;
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
}
