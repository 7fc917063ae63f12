package io.pausectl.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ClientHttpCodecTest {
    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new ClientHttpCodec(1024, 2048, 8192));
    }

    private static HttpRequest decode(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        return ch.readInbound();
    }

    @Test
    void contentLengthWithTransferEncodingIsAFailureNotADroppedLength() {
        EmbeddedChannel ch = channel();
        HttpRequest r = decode(ch, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(r.decoderResult().isFailure()).isTrue();
        assertThat(r.decoderResult().cause()).hasMessage("Content-Length and Transfer-Encoding together");
        ReferenceCountUtil.release(r);
        ch.finishAndReleaseAll();
    }

    @Test
    void aSecondContentLengthIsAFailureEvenInHttp10() {
        EmbeddedChannel ch = channel();
        HttpRequest r = decode(ch, "POST / HTTP/1.0\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
        assertThat(r.decoderResult().isFailure()).isTrue();
        assertThat(r.decoderResult().cause()).hasMessage("more than one Content-Length");
        ReferenceCountUtil.release(r);
        ch.finishAndReleaseAll();
    }

    @Test
    void aPlainRequestDecodes() {
        EmbeddedChannel ch = channel();
        HttpRequest r = decode(ch, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
        assertThat(r.decoderResult().isSuccess()).isTrue();
        LastHttpContent body = ch.readInbound();
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        body.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aResponseToHeadNeverGetsABodyOrChunkTerminator() {
        EmbeddedChannel ch = channel();
        decode(ch, "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
        ReferenceCountUtil.release(ch.readInbound());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("transfer-encoding", "chunked");
        ch.writeOutbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertThat(out.toString()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void aBodilessRequestComesWholeAndOneWithABodyAsHeadThenContent() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", StandardCharsets.ISO_8859_1));

        FullHttpRequest a = ch.readInbound();
        FullHttpRequest b = ch.readInbound();
        HttpRequest c = ch.readInbound();
        LastHttpContent body = ch.readInbound();

        assertThat(a.uri()).isEqualTo("/a");
        assertThat(a.content().readableBytes()).isZero();
        assertThat(ClientHttpCodec.headSize(a)).as("the head's size is kept").isEqualTo("GET /a HTTP/1.1".length() + "Host: a".length());
        assertThat(b.uri()).isEqualTo("/b");
        assertThat(c).isNotInstanceOf(FullHttpRequest.class);
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
        body.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /**
     * The watch a held connection is under: an event after each later socket read, once the read's
     * messages were handed on, not after the read whose request was held as it was decoded (that one
     * looked itself), and none once the watch ends.
     */
    @Test
    void aWatchedConnectionSignalsEachLaterReadOnly() {
        ClientHttpCodec codec = new ClientHttpCodec(1024, 2048, 8192);
        int[] reads = new int[1];
        int[] messagesWhenTold = new int[1];
        EmbeddedChannel[] holder = new EmbeddedChannel[1];
        EmbeddedChannel ch = new EmbeddedChannel(codec, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request && request.uri().equals("/held")) {
                    codec.watchSocketReads(true);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ClientHttpCodec.READ_WHILE_WATCHED) {
                    reads[0]++;
                    messagesWhenTold[0] = holder[0].inboundMessages().size();
                }
                ctx.fireUserEventTriggered(evt);
            }
        });
        holder[0] = ch;
        ch.writeInbound(Unpooled.copiedBuffer("POST /held HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab",
                StandardCharsets.ISO_8859_1));
        assertThat(reads[0]).as("the read that brought the held request").isZero();
        ch.writeInbound(Unpooled.copiedBuffer("cd", StandardCharsets.ISO_8859_1));
        assertThat(reads[0]).as("a later read").isEqualTo(1);
        assertThat(messagesWhenTold[0]).as("told after the read's messages were handed on").isEqualTo(3);
        codec.watchSocketReads(false);
        ch.writeInbound(Unpooled.copiedBuffer("GET /next HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.ISO_8859_1));
        assertThat(reads[0]).as("after the watch ended").isEqualTo(1);
        ch.finishAndReleaseAll();
    }
}
