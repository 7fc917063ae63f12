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
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>A half-closed tunnel is bounded: once a side's end was passed on, the tunnel is closed (both
 * channels) when no byte was read from either side for the half-closed idle time, as HAProxy's
 * {@code timeout client-fin} / {@code server-fin}; the other side may never end its own output, and
 * an open tunnel has no other end than its sides'. The two handlers of a tunnel ({@link #holding},
 * {@link #otherWay}) share that clock; both channels are on one event loop, where it is kept.
 */
public final class TunnelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelHandler.class);
    private final Channel peer;
    /** What the two handlers of one tunnel share. */
    private final Tunnel tunnel;
    /** This handler's context, once added. */
    private ChannelHandlerContext ctx;
    /** Bytes read before {@link #open}, in order; null once open. */
    private ArrayDeque<ByteBuf> held;
    /** This side's input ended while holding: the peer's output ends at {@link #open}. */
    private boolean inputEndedWhileHeld;

    /** A tunnel that relays at once, without a bound once half-closed. */
    public TunnelHandler(Channel peer) {
        this(peer, false, new Tunnel(0));
    }

    private TunnelHandler(Channel peer, boolean holding, Tunnel tunnel) {
        this.peer = peer;
        this.held = holding ? new ArrayDeque<>(2) : null;
        this.tunnel = tunnel;
    }

    /**
     * A tunnel that keeps what it reads until {@link #open}, for while both pipelines are still being
     * changed.
     *
     * @param halfClosedIdleNanos once a side's end was passed on, the tunnel closes when nothing was
     *                            read for this long; 0 for no bound
     */
    public static TunnelHandler holding(Channel peer, long halfClosedIdleNanos) {
        return new TunnelHandler(peer, true, new Tunnel(halfClosedIdleNanos));
    }

    /**
     * The handler for the other direction of this tunnel, relaying to {@code peer} (holding, as this
     * one was made), sharing this one's half-closed bound; for the pipeline of this handler's peer.
     */
    public TunnelHandler otherWay(Channel peer) {
        return new TunnelHandler(peer, held != null, tunnel);
    }

    /**
     * What the two handlers of one tunnel share, on their event loop: the bound on a half-closed
     * tunnel and when a byte was last read from either side.
     */
    private static final class Tunnel {
        final long halfClosedIdleNanos;
        /** A side's end was passed on: reads are timed. */
        boolean halfClosed;
        long lastReadNanos;
        ScheduledFuture<?> timer;

        Tunnel(long halfClosedIdleNanos) {
            this.halfClosedIdleNanos = halfClosedIdleNanos;
        }

        void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
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
        boundHalfClosed();
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

    /** Starts the half-closed bound (once per tunnel), on this handler's event loop. */
    private void boundHalfClosed() {
        Tunnel t = tunnel;
        if (t.halfClosed || t.halfClosedIdleNanos <= 0 || ctx == null) {
            return;
        }
        t.halfClosed = true;
        t.lastReadNanos = System.nanoTime();
        t.timer = ctx.executor().schedule(this::checkHalfClosed, t.halfClosedIdleNanos, TimeUnit.NANOSECONDS);
    }

    private void checkHalfClosed() {
        Tunnel t = tunnel;
        t.timer = null;
        Channel self = ctx.channel();
        if (!self.isActive() && !peer.isActive()) {
            return;
        }
        long idle = System.nanoTime() - t.lastReadNanos;
        if (idle >= t.halfClosedIdleNanos) {
            LOG.debug("{}: half-closed tunnel to {} idle for {} ms, closing", self, peer,
                    TimeUnit.NANOSECONDS.toMillis(idle));
            self.close();
            peer.close();
            return;
        }
        t.timer = ctx.executor().schedule(this::checkHalfClosed, t.halfClosedIdleNanos - idle, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (tunnel.halfClosed) {
            tunnel.lastReadNanos = System.nanoTime();
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
        tunnel.cancel();
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
