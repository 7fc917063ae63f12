package io.pausectl.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Relays raw bytes from its channel to a peer channel once an upgrade (WebSocket or any other
 * protocol, after a {@code 101 Switching Protocols}) turned an HTTP exchange into a tunnel. One
 * sits last in each of the two pipelines. Reading stops while the peer is not writable and resumes
 * when it drains. Anything that is not a byte buffer (an HTTP object left over from the codec just
 * removed) is released and dropped. When either side closes, the other is flushed and closed; when
 * a side that allows half-closure (the client's) only ends its output, the end is passed on (the
 * peer's output is shut down once what was relayed is flushed) and the other direction goes on
 * until its sender ends it, as over a plain TCP connection (RFC 9293 §3.6): a client that sends
 * its input and then its end of stream (Docker's attach, {@code Upgrade: tcp}) still gets the output.
 *
 * <p>A tunnel made {@link #holding} keeps what it reads until {@link #open}: a codec being removed
 * passes on the bytes it still holds (a server's first frame read together with its 101), and they
 * may only go to the peer once the peer's pipeline has no HTTP encoder left, which would refuse them
 * and close the connection.
 */
public final class TunnelHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    /** Bytes read before {@link #open}, in order; null once open. */
    private ArrayDeque<ByteBuf> held;
    /** This side's input ended while holding: the peer's output ends at {@link #open}. */
    private boolean inputEndedWhileHeld;

    /** A tunnel that relays at once. */
    public TunnelHandler(Channel peer) {
        this.peer = peer;
    }

    private TunnelHandler(Channel peer, boolean holding) {
        this.peer = peer;
        this.held = holding ? new ArrayDeque<>(2) : null;
    }

    /** A tunnel that keeps what it reads until {@link #open}, for while both pipelines are still being changed. */
    public static TunnelHandler holding(Channel peer) {
        return new TunnelHandler(peer, true);
    }

    /**
     * Relays what was read since {@link #holding} (on the channel's event loop, once the peer's
     * pipeline is a tunnel too), and everything read from now on.
     */
    public void open() {
        ArrayDeque<ByteBuf> early = held;
        held = null;
        if (early != null && !early.isEmpty()) {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                if (peer.isActive()) {
                    peer.write(b, peer.voidPromise());
                } else {
                    b.release();
                }
            }
            peer.flush();
        }
        if (inputEndedWhileHeld) {
            inputEndedWhileHeld = false;
            inputEnded();
        }
    }

    /**
     * This side's input has ended (its end of stream came, possibly before the tunnel was made):
     * the peer's output ends once what was relayed is flushed; a peer that cannot half-close is
     * closed instead.
     */
    public void inputEnded() {
        if (held != null) {
            inputEndedWhileHeld = true;
            return;
        }
        if (!peer.isActive()) {
            return;
        }
        if (peer instanceof DuplexChannel duplex) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (duplex.isActive() && !duplex.isOutputShutdown()) {
                    duplex.shutdownOutput();
                }
            });
        } else {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (held != null) {
            held.add((ByteBuf) msg);
            return;
        }
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
            peer.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (held == null) {
            peer.flush();
        }
    }

    /** Whatever is still held is released with the handler (the channel closed before {@link #open}). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void releaseHeld() {
        ArrayDeque<ByteBuf> early = held;
        if (early != null) {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                b.release();
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Client channels allow half-closure: their end of stream is passed on, and their output goes on. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
