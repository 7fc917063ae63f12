package io.pausectl.proxy.it;

import io.netty.channel.Channel;
import io.pausectl.proxy.client.ClientExchangeHandler;
import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client socket's read-ahead while a request is forwarded is bounded (issue 13): a client
 * pipelining small requests without pause never has more than one socket read of them parsed and
 * waiting in the proxy. The read-ahead of 95a4058 (reverted in a40cea1) asked the socket for one
 * more read per forwarded request whatever already waited, so the waiting requests grew by up to
 * 64 KiB (about 2,000 of these) per request answered, up to all the client sent.
 */
class PipelinedReadAheadTest {
    private static final byte[] REQUEST = "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int COUNT = 20_000;
    /** One socket read's worth of these requests (64 KiB, the receive buffer's largest), plus the one cut in two. */
    private static final long ONE_READ = 64 * 1024 / REQUEST.length + 1;

    @Test
    void aClientPipeliningWithoutPauseHasAtMostOneSocketReadWaiting() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream);
             RawClient c = new RawClient(proxy.port)) {
            byte[] all = new byte[REQUEST.length * COUNT];
            for (int i = 0; i < COUNT; i++) {
                System.arraycopy(REQUEST, 0, all, i * REQUEST.length, REQUEST.length);
            }
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    c.send(all);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long mostWaiting = 0;
            Channel client = null;
            for (int i = 0; i < COUNT; i++) {
                assertThat(c.read().status()).isEqualTo(200);
                if (client == null) {
                    // Answered, so its pipeline is complete.
                    client = proxy.server.clientChannels().iterator().next();
                }
                if (i % 50 == 0) {
                    Channel ch = client;
                    mostWaiting = Math.max(mostWaiting, ch.eventLoop()
                            .submit(() -> ch.pipeline().get(ClientExchangeHandler.class).messagesWaiting()).get());
                }
            }
            writing.get(30, TimeUnit.SECONDS);
            assertThat(mostWaiting).as("requests parsed and waiting at once").isLessThanOrEqualTo(ONE_READ);
        }
    }
}
