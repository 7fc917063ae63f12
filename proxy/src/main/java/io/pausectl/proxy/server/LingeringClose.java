package io.pausectl.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose peer may still be sending a request the server will not read, without
 * turning the answer just written into a TCP reset. Closing a socket with unread bytes in its
 * receive buffer makes the kernel send RST, and a client that is still writing then sees
 * "connection reset" instead of the answer (RFC 9112 §9.6). So, as nginx's {@code lingering_close}
 * does: once the answer is flushed, half-close (FIN, so the client reads the answer's end), then
 * read and discard whatever still arrives until the client closes its side, it is quiet for
 * {@link #QUIET}, {@link #MAX_TIME} has passed or {@link #MAX_BYTES} were discarded; then close.
 *
 * <p>Installed first in the pipeline, so no later handler sees a discarded byte; it releases every
 * message it swallows. Works with or without {@code ALLOW_HALF_CLOSURE} and auto-read.
 */
public final class LingeringClose extends ChannelInboundHandlerAdapter {
    /** Longest the connection lingers in all (nginx {@code lingering_time} is 30s). */
    public static final Duration MAX_TIME = Duration.ofSeconds(5);
    /** Longest it lingers without a byte arriving (nginx {@code lingering_timeout} is 5s). */
    public static final Duration QUIET = Duration.ofSeconds(2);
    /** Most bytes it reads and discards. */
    public static final long MAX_BYTES = 64L << 20;

    private final long maxBytes;
    private final long quietNanos;
    private long discarded;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> quiet;

    private LingeringClose(long maxBytes, Duration quiet) {
        this.maxBytes = maxBytes;
        this.quietNanos = quiet.toNanos();
    }

    /** Once {@code written} completes (success or not), lingers with the default limits, then closes. */
    public static void after(ChannelFuture written) {
        after(written, MAX_TIME, QUIET, MAX_BYTES);
    }

    /** As {@link #after(ChannelFuture)} with limits of the caller's. */
    public static void after(ChannelFuture written, Duration maxTime, Duration quiet, long maxBytes) {
        written.addListener(f -> start(written.channel(), maxTime, quiet, maxBytes));
    }

    private static void start(Channel ch, Duration maxTime, Duration quiet, long maxBytes) {
        if (!ch.isActive() || ch.pipeline().get(LingeringClose.class) != null) {
            return;
        }
        if (!(ch instanceof DuplexChannel) || ((DuplexChannel) ch).isInputShutdown()) {
            ch.close();
            return;
        }
        LingeringClose lingering = new LingeringClose(maxBytes, quiet);
        ch.pipeline().addFirst(lingering);
        lingering.deadline = ch.eventLoop().schedule(() -> {
            ch.close();
        }, maxTime.toNanos(), TimeUnit.NANOSECONDS);
        lingering.rearmQuiet(ch);
        ((DuplexChannel) ch).shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
        ch.config().setAutoRead(true);
        ch.read();
    }

    private void rearmQuiet(Channel ch) {
        if (quiet != null) {
            quiet.cancel(false);
        }
        quiet = ch.eventLoop().schedule(() -> {
            ch.close();
        }, quietNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = msg instanceof ByteBuf ? ((ByteBuf) msg).readableBytes()
                : msg instanceof ByteBufHolder ? ((ByteBufHolder) msg).content().readableBytes() : 0;
        ReferenceCountUtil.release(msg);
        discarded += n;
        if (discarded >= maxBytes) {
            ctx.close();
            return;
        }
        rearmQuiet(ctx.channel());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Swallowed: later handlers must not act on a read they never saw.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
            ctx.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (quiet != null) {
            quiet.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
