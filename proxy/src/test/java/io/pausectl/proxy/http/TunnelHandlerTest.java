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

    @Test
    void aHoldingTunnelRelaysWhatItReadOnlyOnceOpenInOrder() {
        EmbeddedChannel peer = new EmbeddedChannel();
        TunnelHandler tunnel = TunnelHandler.holding(peer, 0);
        EmbeddedChannel side = new EmbeddedChannel(tunnel);
        side.writeInbound(Unpooled.copiedBuffer("first ", StandardCharsets.US_ASCII));
        side.writeInbound(Unpooled.copiedBuffer("second", StandardCharsets.US_ASCII));
        assertThat((Object) peer.readOutbound()).as("nothing before open").isNull();

        tunnel.open();
        side.writeInbound(Unpooled.copiedBuffer(" third", StandardCharsets.US_ASCII));

        StringBuilder relayed = new StringBuilder();
        for (ByteBuf b; (b = peer.readOutbound()) != null; b.release()) {
            relayed.append(b.toString(StandardCharsets.US_ASCII));
        }
        assertThat(relayed).hasToString("first second third");
        side.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }

    @Test
    void whatAHoldingTunnelKeptIsReleasedWithIt() {
        EmbeddedChannel peer = new EmbeddedChannel();
        EmbeddedChannel side = new EmbeddedChannel(TunnelHandler.holding(peer, 0));
        ByteBuf early = Unpooled.copiedBuffer("early", StandardCharsets.US_ASCII);
        side.writeInbound(early);
        side.close();
        assertThat(early.refCnt()).isZero();
        ByteBuf relayed = peer.readOutbound();
        assertThat(relayed.readableBytes()).as("only the end of the tunnel").isZero();
        assertThat(peer.isOpen()).isFalse();
        side.finishAndReleaseAll();
        peer.finishAndReleaseAll();
    }
}
