package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.pausectl.proxy.server.TcpInfoReader;

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
    /** Its slot's number in the pacer's window when it was opened ({@link ConnectionPacer#tryStart}). */
    private int slot;
    /** The proxy closed it (not a sign of trouble at the upstream). */
    private boolean closedHere;
    /** Reads {@code TCP_INFO} for {@link #acceptedByPeer} and {@link #retransmitted}; null until first asked. */
    private TcpInfoReader tcpInfo;

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

    /** A new connection: it holds slot {@code slot} of {@code p} until proven or closed. */
    void unproven(ConnectionPacer p, int slot) {
        if (!channel.isActive()) {
            p.lost();
            return;
        }
        pacer = p;
        this.slot = slot;
        proofTimer = channel.eventLoop().schedule(this::proofExpired, ConnectionPacer.PROOF_NANOS,
                TimeUnit.NANOSECONDS);
    }

    private void proven() {
        ConnectionPacer p = pacer;
        if (p != null) {
            pacer = null;
            proofTimer.cancel(false);
            p.proven(retransmitted(), slot);
        }
    }

    /**
     * The upstream's kernel acknowledged this new connection's first request byte
     * ({@link #acceptedByPeer}): it holds the connection, so its pacer slot is proven at once rather
     * than at the first response byte (a slow answer would otherwise keep the slot for
     * {@link ConnectionPacer#PROOF_NANOS}).
     */
    void acceptProven() {
        proven();
    }

    private void proofExpired() {
        ConnectionPacer p = pacer;
        if (p != null) {
            pacer = null;
            p.expired(retransmitted(), slot);
        }
    }

    /** Whether {@link #acceptedByPeer} can ever say yes: only io_uring and epoll read {@code TCP_INFO}. */
    boolean canProveAccept() {
        return TcpInfoReader.canRead(channel);
    }

    /**
     * Whether the upstream's kernel acknowledged every byte written so far: then it holds a full
     * socket for this connection (in its accept queue or accepted), which a full listen queue can
     * no longer drop. Until then the connection may exist only on this side: Linux completes the
     * handshake on the client as soon as its SYN-ACK arrives, and drops the handshake's last ACK and
     * every segment after it while the upstream's accept queue is full; with SYN cookies in play it
     * keeps no state at all, so any segment but the first one sent is answered with a reset. Read
     * from {@code TCP_INFO} (io_uring and epoll; false on NIO): no packet in flight
     * ({@code tcpi_unacked}, which a received reset sets to 0 too, hence the state check) on a
     * connection still established or only closed by the upstream ({@code CLOSE_WAIT}). Call it
     * only after a write completed: a segment still queued in this kernel is not in flight.
     */
    boolean acceptedByPeer() {
        TcpInfoReader info = tcpInfo();
        if (info == null || !info.read()) {
            return false;
        }
        int state = info.state();
        return info.unacked() == 0
                && (state == TcpInfoReader.TCP_ESTABLISHED || state == TcpInfoReader.TCP_CLOSE_WAIT);
    }

    /**
     * Whether the kernel had to retransmit anything on this connection ({@code TCP_INFO}'s
     * {@code tcpi_total_retrans}; io_uring and epoll, false on NIO).
     */
    private boolean retransmitted() {
        TcpInfoReader info = tcpInfo();
        return info != null && info.read() && info.totalRetrans() > 0;
    }

    /** The connection's one {@code TCP_INFO} reader (made at the first call), or null on NIO. */
    private TcpInfoReader tcpInfo() {
        if (tcpInfo == null) {
            tcpInfo = TcpInfoReader.of(channel);
        }
        return tcpInfo;
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
