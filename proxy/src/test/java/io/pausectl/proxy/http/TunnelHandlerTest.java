package io.pausectl.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class TunnelHandlerTest {
    @Test
    void relaysBytesDropsHttpLeftoversAndClosesThePeerWithIt() {
        EmbeddedChannel peer = new EmbeddedChannel();
        EmbeddedChannel side = new EmbeddedChannel(new TunnelHandler(peer));
        side.writeInbound(Unpooled.copiedBuffer("raw", StandardCharsets.US_ASCII));
        side.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer("left over", StandardCharsets.US_ASCII)));
        ByteBuf relayed = peer.readOutbound();
        assertThat(relayed.toString(StandardCharsets.US_ASCII)).isEqualTo("raw");
        relayed.release();
        assertThat((Object) peer.readOutbound()).isNull();
        side.close();
        assertThat(peer.isOpen()).isFalse();
        assertThat(side.finishAndReleaseAll()).isFalse();
        peer.finishAndReleaseAll();
    }

    @Test
    void stopsReadingWhileThePeerIsFull() {
        EmbeddedChannel peer = new EmbeddedChannel();
        peer.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(8, 16));
        EmbeddedChannel side = new EmbeddedChannel(new TunnelHandler(peer));
        assertThat(side.config().isAutoRead()).isTrue();
        side.writeInbound(Unpooled.wrappedBuffer(new byte[64]));
        // EmbeddedChannel flushes to its outbound queue at once, so it is writable again; what
        // matters is that a full peer stopped the side, and a writable one restarts it.
        side.config().setAutoRead(false);
        side.pipeline().fireChannelWritabilityChanged();
        assertThat(peer.config().isAutoRead()).isTrue();
        side.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }
}
