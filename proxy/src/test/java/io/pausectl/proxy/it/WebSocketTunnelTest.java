package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.RawClient;
import io.pausectl.proxy.testing.RawClient.Response;
import io.pausectl.proxy.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** An upgrade (WebSocket) becomes a byte tunnel after the upstream's 101. */
class WebSocketTunnelTest {
    @Test
    void after101BytesFlowBothWaysUntouched() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyFixture proxy = ProxyFixture.start(upstream);
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            c.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Response r = c.read();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualTo("websocket");
            assertThat(r.header("connection")).isEqualToIgnoringCase("upgrade");
            assertThat(r.header("sec-websocket-accept")).isEqualTo("test-accept");
            TestUpstream.Seen seen = upstream.seen().get(1);
            assertThat(seen.headers().get("upgrade")).isEqualTo("websocket");
            assertThat(seen.headers().get("connection")).isEqualToIgnoringCase("upgrade");
            assertThat(seen.headers().get("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");

            // Not HTTP any more: arbitrary bytes, echoed by the upstream through the tunnel.
            byte[] frame = "\u0081\u0005hello GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            assertThat(c.send(frame).readRaw(frame.length)).isEqualTo(frame);
            byte[] big = TestUpstream.pattern(4 << 20);
            c.send(big);
            assertThat(c.readRaw(big.length)).isEqualTo(big);
        }
    }
}
