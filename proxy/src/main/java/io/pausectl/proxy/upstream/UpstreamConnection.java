package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * One connection to an upstream, and the last handler of its pipeline (after the HTTP client
 * codec). While lent to a client exchange it hands every response object to that exchange's
 * {@link UpstreamListener}; while idle in its pool it expects nothing, so anything it reads then
 * (a stray response, a close) retires the connection. It never keeps a message it was given:
 * whatever it does not pass on, it releases.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final UpstreamConnectionPool pool;
    private final UpstreamTarget target;
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnection.class);

    private Channel channel;
    private UpstreamHttpCodec codec;
    private UpstreamListener listener;

    UpstreamConnection(UpstreamConnectionPool pool, UpstreamTarget target) {
        this.pool = pool;
        this.target = target;
    }

    public UpstreamTarget target() {
        return target;
    }

    public Channel channel() {
        return channel;
    }

    /** Lends the connection to an exchange. */
    public void attach(UpstreamListener listener) {
        this.listener = listener;
    }

    /** Ends the loan; events after this are the connection's own business. */
    public void detach() {
        listener = null;
    }

    /**
     * Gives the connection back to its pool (the caller vouches for a clean message boundary), or
     * closes it when the upstream already sent more than the response just ended: bytes nobody
     * asked for, which the next exchange would take for its answer.
     */
    public void release() {
        listener = null;
        if (codec.hasUnreadBytes()) {
            LOG.debug("upstream {} sent bytes after the end of a response; closing the connection", target);
            channel.close();
            return;
        }
        pool.release(this);
    }

    /** Detaches and closes: the connection is not reusable. */
    public void close() {
        listener = null;
        channel.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        codec = ctx.pipeline().get(UpstreamHttpCodec.class);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
            Throwable cause = ((HttpObject) msg).decoderResult().cause();
            ReferenceCountUtil.release(msg);
            fail(cause instanceof PrematureChannelClosureException ? UpstreamErrorKind.RESET : UpstreamErrorKind.PROTOCOL,
                    cause);
            return;
        }
        if (msg instanceof HttpResponse) {
            l.upstreamHead((HttpResponse) msg);
            if (msg instanceof HttpContent) {
                l = listener;
                if (l == null) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                l.upstreamContent((HttpContent) msg);
            }
        } else if (msg instanceof HttpContent) {
            l.upstreamContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
            fail(UpstreamErrorKind.PROTOCOL, new IOException("unexpected message from upstream: " + msg.getClass()));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (listener != null) {
            fail(UpstreamErrorKind.RESET, new IOException("upstream " + target + " closed the connection"));
        } else {
            pool.remove(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (listener != null) {
            fail(UpstreamErrorKind.RESET, cause);
        } else {
            ctx.close();
        }
    }

    private void fail(UpstreamErrorKind kind, Throwable cause) {
        UpstreamListener l = listener;
        listener = null;
        channel.close();
        pool.remove(this);
        if (l != null) {
            l.upstreamFailed(kind, cause);
        }
    }
}
