package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection to an upstream, and the last handler of its pipeline (after
 * {@link UpstreamHttpCodec}). While lent to an {@link UpstreamExchange} it hands that exchange every
 * response object and event; while idle in its pool it expects nothing, so anything it reads then
 * (a stray response, a close) retires the connection. It never keeps a message it was given:
 * whatever it does not pass on, it releases. A new connection holds a slot of its upstream's
 * {@link ConnectionPacer} until it is proven (the first response byte, or
 * {@link ConnectionPacer#PROOF_NANOS} without trouble) or closes. Touched only on its channel's
 * event loop.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnection.class);

    private final UpstreamConnectionPool pool;
    private final UpstreamTarget target;

    private Channel channel;
    private UpstreamHttpCodec codec;
    private UpstreamExchange exchange;
    /** In its pool's idle list. */
    boolean pooled;
    /** When it last went back to its pool (System.nanoTime). */
    long idleSinceNanos;
    /** Exchanges it finished cleanly: above 0, the connection is a reused one. */
    int exchanges;
    /** The pacer whose slot it holds while unproven; null once proven or closed. */
    private ConnectionPacer pacer;
    private ScheduledFuture<?> proofTimer;
    /** The proxy closed it (not a sign of trouble at the upstream). */
    private boolean closedHere;

    UpstreamConnection(UpstreamConnectionPool pool, UpstreamTarget target) {
        this.pool = pool;
        this.target = target;
    }

    public UpstreamTarget target() {
        return target;
    }

    Channel channel() {
        return channel;
    }

    /** Lends the connection to an exchange. */
    void attach(UpstreamExchange exchange) {
        this.exchange = exchange;
    }

    /** Ends the loan; events after this are the connection's own business. */
    void detach() {
        exchange = null;
    }

    /**
     * Gives the connection back to its pool (the exchange vouches for a clean message boundary),
     * or closes it when the upstream already sent more than the response just ended: bytes nobody
     * asked for, which the next exchange would take for its answer.
     */
    void release() {
        exchange = null;
        if (codec.hasUnreadBytes()) {
            LOG.debug("upstream {} sent bytes after the end of a response; closing the connection", target);
            channel.close();
            return;
        }
        pool.release(this);
    }

    /** Detaches and closes: the connection is not reusable. */
    void close() {
        exchange = null;
        closedHere = true;
        channel.close();
    }

    /** A new connection: it holds a slot of {@code p} until proven or closed. */
    void unproven(ConnectionPacer p) {
        if (!channel.isActive()) {
            p.lost();
            return;
        }
        pacer = p;
        proofTimer = channel.eventLoop().schedule(this::proofExpired, ConnectionPacer.PROOF_NANOS,
                TimeUnit.NANOSECONDS);
    }

    private void proven() {
        ConnectionPacer p = pacer;
        if (p != null) {
            pacer = null;
            proofTimer.cancel(false);
            p.proven(retransmitted());
        }
    }

    private void proofExpired() {
        ConnectionPacer p = pacer;
        if (p != null) {
            pacer = null;
            p.expired(retransmitted());
        }
    }

    /**
     * Whether the kernel had to retransmit anything on this connection ({@code TCP_INFO}'s
     * {@code tcpi_total_retrans}; epoll transport only, false elsewhere).
     */
    private boolean retransmitted() {
        if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll && epoll.isActive()) {
            try {
                return epoll.tcpInfo().totalRetrans() > 0;
            } catch (RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    /** Closed while unproven: a failure, unless the proxy closed it. */
    private void closedUnproven() {
        ConnectionPacer p = pacer;
        if (p != null) {
            pacer = null;
            proofTimer.cancel(false);
            if (closedHere) {
                p.forgotten();
            } else {
                p.lost();
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        codec = ctx.pipeline().get(UpstreamHttpCodec.class);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        proven();
        UpstreamExchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ex.received(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamExchange ex = exchange;
        if (ex != null) {
            ex.readComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamExchange ex = exchange;
        if (ex != null && ctx.channel().isWritable()) {
            ex.writable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closedUnproven();
        UpstreamExchange ex = exchange;
        exchange = null;
        pool.remove(this);
        if (ex != null) {
            ex.closed(new IOException("upstream " + target + " closed the connection"));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        UpstreamExchange ex = exchange;
        if (evt instanceof ChannelOutputShutdownEvent && ex != null) {
            ex.outputFailed(null);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamExchange ex = exchange;
        Channel ch = ctx.channel();
        if (ex != null && ch.isActive() && ch instanceof DuplexChannel && ((DuplexChannel) ch).isOutputShutdown()) {
            // A write failed (AUTO_CLOSE is off on upstream channels, so Netty shut the output
            // instead of closing): what the upstream already sent is still read.
            ex.outputFailed(cause);
            return;
        }
        exchange = null;
        ctx.close();
        pool.remove(this);
        if (ex != null) {
            ex.closed(cause);
        }
    }
}
