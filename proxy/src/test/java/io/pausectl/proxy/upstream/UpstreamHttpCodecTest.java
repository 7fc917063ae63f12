package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The upstream codec on an EmbeddedChannel: the request line's bytes and the response framing checks. */
class UpstreamHttpCodecTest {
    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new UpstreamHttpCodec(new HttpDecoderConfig()));
    }

    @Test
    void theRequestTargetGoesOutByteForByteAsTheClientSentIt() {
        EmbeddedChannel ch = channel();
        // The client decoder makes one char of each byte: "/café" in UTF-8 is c3 a9.
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/caf\u00c3\u00a9?q=\u00ff"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder wire = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            wire.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertThat(wire.toString()).startsWith("GET /caf\u00c3\u00a9?q=\u00ff HTTP/1.1\r\n");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    private static HttpObject firstResponse(String wire) {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            out.release();
        }
        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        HttpObject first = ch.readInbound();
        ch.finishAndReleaseAll();
        ReferenceCountUtil.release(first);
        return first;
    }

    @Test
    void namesAndStartLineWordsComeOutAsReceivedWhetherKnownOrNot() {
        HttpResponse r = (HttpResponse) firstResponse("HTTP/1.1 200 Fine\r\nContent-Type: a\r\ncontent-type: b\r\n"
                + "CONTENT-type: c\r\nX-Own: d\r\nDate: e\r\nContent-Length: 0\r\n\r\n");
        assertThat(r.decoderResult().isSuccess()).isTrue();
        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.status().reasonPhrase()).isEqualTo("Fine");
        StringBuilder fields = new StringBuilder();
        r.headers().iteratorCharSequence().forEachRemaining(e -> fields.append(e.getKey()).append('=').append(e.getValue()).append(';'));
        assertThat(fields).hasToString("Content-Type=a;content-type=b;CONTENT-type=c;X-Own=d;Date=e;Content-Length=0;");
        assertThat(r.headers().getAll("content-TYPE")).containsExactly("a", "b", "c");
        HttpResponse notFound = (HttpResponse) firstResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertThat(notFound.status().code()).isEqualTo(404);
        assertThat(notFound.status().reasonPhrase()).isEqualTo("Not Found");
    }

    @Test
    void differentContentLengthsFailInEveryVersion() {
        assertThat(firstResponse("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world")
                .decoderResult().isFailure()).isTrue();
        assertThat(firstResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world")
                .decoderResult().isFailure()).isTrue();
    }

    @Test
    void equalContentLengthsAreOneLength() {
        HttpObject first = firstResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(first.decoderResult().isSuccess()).isTrue();
        assertThat(((HttpResponse) first).headers().get("content-length")).isEqualTo("5");
    }

    @Test
    void aResponseReadWholeComesAsOneMessageAndOneReadInPartsAsHeadThenContent() {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), LastHttpContent.EMPTY_LAST_CONTENT);
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            out.release();
        }

        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", StandardCharsets.ISO_8859_1));
        FullHttpResponse whole = ch.readInbound();
        assertThat(whole.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        assertThat(whole.headers().get("content-length")).isEqualTo("3");
        whole.release();

        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", StandardCharsets.ISO_8859_1));
        ch.writeInbound(Unpooled.copiedBuffer("cde", StandardCharsets.ISO_8859_1));
        HttpResponse head = ch.readInbound();
        assertThat(head).isNotInstanceOf(FullHttpResponse.class);
        HttpContent first = ch.readInbound();
        LastHttpContent rest = ch.readInbound();
        assertThat(first.content().toString(StandardCharsets.US_ASCII) + rest.content().toString(StandardCharsets.US_ASCII))
                .isEqualTo("abcde");
        first.release();
        rest.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
