package io.pausectl.proxy.client;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.pausectl.proxy.config.ConfigLoader;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.gate.Admission;
import io.pausectl.proxy.gate.ControlledGate;
import io.pausectl.proxy.gate.GatedRequest;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.upstream.UpstreamPools;
import io.pausectl.proxy.upstream.UpstreamTarget;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exchange handler on an EmbeddedChannel with a gate the test drives. Upstream connections
 * cannot be opened on an embedded event loop, so a forwarded request ends in 502 here; the
 * socket tests cover forwarding.
 */
class ClientExchangeHandlerTest {
    private final ControlledGate gate = new ControlledGate();
    private ClientExchangeHandler handler;

    private EmbeddedChannel channel() throws Exception {
        ProxyConfig config = ConfigLoader.load(Map.of("upstream", List.of("http://127.0.0.1:9"),
                // no waiting for the unreachable upstream to come back (the gate here is the test's)
                "queue-timeout", List.of("1ms")), Map.of());
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        ProxyMetrics metrics = new ProxyMetrics(new SimpleMeterRegistry());
        UpstreamPools pools = new UpstreamPools(ch.eventLoop(), new Bootstrap().channel(NioSocketChannel.class),
                List.of(UpstreamTarget.of(0, URI.create("http://127.0.0.1:9"))), metrics, config.upstreamIdleTimeout(),
                config.upstreamReuse());
        handler = new ClientExchangeHandler(new ClientContext(config, gate, metrics, pools));
        ch.pipeline().addLast(new ClientHttpCodec(8192, 16384, 8192), new FlowControlHandler(),
                new ClientRequestValidator(metrics, false), handler);
        ch.pipeline().fireChannelActive();
        return ch;
    }

    private static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
    }

    private static String written(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void aHeldRequestReadsNothingMoreAndIsAbandonedWhenTheClientLeaves() throws Exception {
        gate.plan(Admission.HELD);
        EmbeddedChannel ch = channel();
        send(ch, "POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(gate.held).hasSize(1);
        assertThat(gate.entered).hasSize(1);
        assertThat(handler.state()).isEqualTo(ClientExchangeHandler.State.HELD);
        assertThat(written(ch)).as("no 100 Continue while held").isEmpty();
        ch.close();
        assertThat(gate.abandoned).containsExactly(gate.held.get(0));
        assertThat(gate.exitedRequests()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aReleaseThatMeetsAConnectionClosingAfterAReadErrorStillExitsTheGate() throws Exception {
        // The gate's release is already queued on the loop when a read error (a client's reset)
        // closes the connection; channelInactive comes after it. The gate counted the request
        // released and in flight: the handler owes it an exit, not an abandon (which the real
        // gate ignores once released), or it stays in flight forever.
        gate.plan(Admission.HELD);
        EmbeddedChannel ch = channel();
        send(ch, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        GatedRequest held = gate.held.get(0);
        gate.release(held, 0);
        ch.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(gate.exits(held)).isEqualTo(1);
        assertThat(gate.abandoned).isEmpty();
        assertThat(written(ch)).as("nothing forwarded, nothing answered").isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusedHeldRequestIs503WithRetryAfterAndCloses() throws Exception {
        gate.plan(Admission.HELD);
        EmbeddedChannel ch = channel();
        send(ch, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        GatedRequest held = gate.held.get(0);
        gate.refuse(held, Refusal.TIMED_OUT);
        ch.runPendingTasks();
        String out = written(ch);
        assertThat(out).startsWith("HTTP/1.1 503 Service Unavailable\r\n").contains("retry-after: 1\r\n")
                .contains("connection: close\r\n").endsWith("503 Service Unavailable: " + GateAnswers.refused(Refusal.TIMED_OUT, Duration.ofMillis(1))
                        + "\n");
        assertThat(ch.isOpen()).isFalse();
        assertThat(gate.exitedRequests()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void aReleasedRequestIsForwardedAndExitsOnceEvenWhenTheUpstreamCannotBeReached() throws Exception {
        gate.plan(Admission.HELD);
        EmbeddedChannel ch = channel();
        send(ch, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        GatedRequest held = gate.held.get(0);
        gate.release(held, 5_000_000);
        ch.runPendingTasks();
        String out = written(ch);
        assertThat(out).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("server-timing: pause;dur=5\r\n");
        assertThat(gate.exits(held)).isEqualTo(1);
        // The next pipelined request was read only after that answer, and went through the gate.
        assertThat(gate.entered).hasSize(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void onlyHttpAndHttpsAbsoluteFormTargetsAreRewrittenToOriginForm() {
        assertThat(originForm("http://h.test:81/p?q", "x")).isEqualTo("h.test:81 /p?q");
        assertThat(originForm("HTTPS://user@h.test?q", "x")).isEqualTo("h.test /?q");
        assertThat(originForm("http://h.test", "x")).isEqualTo("h.test /");
        assertThat(originForm("ht://h.test/p", "x")).isEqualTo("x ht://h.test/p");
        assertThat(originForm("httpx://h.test/p", "x")).isEqualTo("x httpx://h.test/p");
        assertThat(originForm("*", "x")).isEqualTo("x *");
        assertThat(originForm("http:///p", "x")).isEqualTo("x http:///p");
    }

    private static String originForm(String uri, String host) {
        io.netty.handler.codec.http.HttpRequest r = new io.netty.handler.codec.http.DefaultHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, uri);
        r.headers().set("host", host);
        ClientExchangeHandler.toOriginForm(r);
        return r.headers().get("host") + " " + r.uri();
    }
}
