package io.pausectl.proxy.client;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ClientRequestValidatorTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new ClientHttpCodec(64, 256, 8192), new ClientRequestValidator(new ProxyMetrics(registry), false));
    }

    private static String written(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out.toString();
    }

    @Test
    void aGoodRequestPassesUntouched() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                StandardCharsets.US_ASCII));
        HttpRequest r = ch.readInbound();
        assertThat(r.uri()).isEqualTo("/a");
        assertThat(written(ch)).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void anObfuscatedTransferEncodingIsAnswered400AndTheRestIsDropped() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat((Object) ch.readInbound()).isNull();
        String out = written(ch);
        assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close\r\n");
        assertThat(ch.isOpen()).isFalse();
        assertThat(registry.get("pauseproxy.requests").tag("status_class", "4xx").counter().count()).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void twoTransferEncodingFieldsAreRefused() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void anHttp11RequestWithoutHostIsRefusedHere() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("400 Bad Request: no Host header\n");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void limitsAre414And431() {
        EmbeddedChannel line = channel();
        line.writeInbound(Unpooled.copiedBuffer("GET /" + "x".repeat(100) + " HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(written(line)).startsWith("HTTP/1.1 414 ");
        line.finishAndReleaseAll();
        EmbeddedChannel head = channel();
        head.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: h\r\nX: " + "y".repeat(300) + "\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertThat(written(head)).startsWith("HTTP/1.1 431 ");
        head.finishAndReleaseAll();
    }

    @Test
    void aConnectionFieldOfMoreThan32OptionsIsRefused() {
        // Each option is a field to strip, each strip a scan of the head: bounded, not head x head.
        StringBuilder options = new StringBuilder("keep-alive");
        for (int i = 1; i < ClientRequestValidator.MAX_CONNECTION_OPTIONS; i++) {
            options.append(", x-").append(i);
        }
        EmbeddedChannel ok = channel();
        ok.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: h\r\nConnection: " + options + "\r\n\r\n",
                StandardCharsets.US_ASCII));
        HttpRequest r = ok.readInbound();
        assertThat(r).isNotNull();
        assertThat(written(ok)).isEmpty();
        ok.finishAndReleaseAll();
        EmbeddedChannel tooMany = channel();
        tooMany.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: h\r\nConnection: " + options
                + "\r\nConnection: ,, x-last\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat((Object) tooMany.readInbound()).isNull();
        assertThat(written(tooMany)).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .endsWith("400 Bad Request: more than 32 Connection options\n");
        assertThat(tooMany.isOpen()).isFalse();
        tooMany.finishAndReleaseAll();
    }
}
