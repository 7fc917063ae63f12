package io.pausectl.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after the proxy's last answer without resetting it, as nginx's
 * {@code lingering_close} does. Closing a socket with request bytes still unread (the body of a
 * held or refused request, pipelined requests) makes the kernel send a reset, which can destroy
 * the answer before the client reads it: a client would see "connection reset" instead of a 503
 * that says "never forwarded, safe to retry". So the answer is written, the output half-closed
 * (the client reads the answer, then end of stream), and whatever the client still sends is read
 * and discarded until it closes its side, for at most {@link #LINGER_TIME} in all, at most
 * {@link #LINGER_TIMEOUT} between two reads (nginx's {@code lingering_time} and
 * {@code lingering_timeout}) and at most {@link #LINGER_BYTES}; then the connection closes.
 *
 * <p>Sits first in the pipeline once added, so nothing read reaches the codec again; releases
 * every buffer it reads.
 */
public final class LingeringClose extends ChannelInboundHandlerAdapter {
    /** Longest a connection lingers in all, from the answer on. */
    public static final long LINGER_TIME_MILLIS = 10_000;
    /** Longest wait for more bytes from the client while lingering. */
    public static final long LINGER_TIMEOUT_MILLIS = 2_000;
    /** Most bytes read and discarded while lingering. */
    public static final long LINGER_BYTES = 1 << 20;

    static final String LINGER_TIME = "10 s";
    static final String LINGER_TIMEOUT = "2 s";

    private static final String NAME = "linger";

    private final long startNanos = System.nanoTime();
    private long lastReadNanos = startNanos;
    private long discarded;
    private ScheduledFuture<?> timer;

    private LingeringClose() {
    }

    /**
     * Closes {@code channel} once {@code answer} is written, lingering as the class comment says.
     * Call on the channel's event loop, after the last write.
     *
     * @param onLinger run when the connection starts lingering (for a metric), may be null
     */
    public static void closeAfter(Channel channel, ChannelFuture answer, Runnable onLinger) {
        if (!(channel instanceof DuplexChannel) || channel.pipeline().get(NAME) != null) {
            answer.addListener(f -> channel.close());
            return;
        }
        DuplexChannel duplex = (DuplexChannel) channel;
        if (duplex.isInputShutdown()) {
            // The client already ended its side: nothing unread can arrive; a plain close is clean.
            answer.addListener(f -> channel.close());
            return;
        }
        LingeringClose linger = new LingeringClose();
        channel.pipeline().addFirst(NAME, linger);
        if (onLinger != null) {
            onLinger.run();
        }
        // Read (and drop) at once: a client blocked sending its body may only read once it can send.
        channel.config().setAutoRead(true);
        channel.read();
        answer.addListener(f -> {
            if (!f.isSuccess() || !channel.isActive()) {
                channel.close();
            } else {
                duplex.shutdownOutput();
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        schedule(ctx, LINGER_TIMEOUT_MILLIS);
    }

    private void schedule(ChannelHandlerContext ctx, long millis) {
        timer = ctx.executor().schedule(() -> check(ctx), millis, TimeUnit.MILLISECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long idle = TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos);
        long total = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
        if (idle >= LINGER_TIMEOUT_MILLIS || total >= LINGER_TIME_MILLIS) {
            ctx.close();
            return;
        }
        schedule(ctx, Math.min(LINGER_TIMEOUT_MILLIS - idle, LINGER_TIME_MILLIS - total));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            discarded += ((ByteBuf) msg).readableBytes();
        }
        ReferenceCountUtil.release(msg);
        lastReadNanos = System.nanoTime();
        if (discarded > LINGER_BYTES) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Nobody behind this handler reads any more.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client closed its side: everything it sent was read; the close is clean.
            ctx.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }
}
