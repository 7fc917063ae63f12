package io.pausectl.proxy.client;

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
 * Closes a client connection after the proxy's last answer without resetting it, as nginx's
 * {@code lingering_close} does. Closing a socket with request bytes still unread (the body of a
 * held or refused request, pipelined requests) makes the kernel send a reset, which can destroy
 * the answer before the client reads it: a client would see "connection reset" instead of a 503
 * that says "never forwarded, safe to retry". So the answer is written, the output half-closed
 * (the client reads the answer, then end of stream), and whatever the client still sends is read
 * and discarded until it closes its side, for at most {@link Limits#time} in all, at most
 * {@link Limits#timeout} between two reads (nginx's {@code lingering_time} and
 * {@code lingering_timeout}) and at most {@link Limits#bytes}; then the connection closes
 * (RFC 9112 §9.6). The one lingering close of the proxy: the client listener and the admin API
 * use it, each with its {@link Limits}.
 *
 * <p>Sits first in the pipeline once added, so nothing read reaches the codec again; releases
 * every buffer it reads.
 */
public final class LingeringClose extends ChannelInboundHandlerAdapter {
    /**
     * How long and how much a connection lingers.
     *
     * @param time    longest it lingers in all, from the answer on (nginx {@code lingering_time})
     * @param timeout longest wait for more bytes while lingering (nginx {@code lingering_timeout})
     * @param bytes   most bytes read and discarded
     */
    public record Limits(Duration time, Duration timeout, long bytes) {
        /** Client connections: many and untrusted, so a refused body is read up to 1 MiB only. */
        public static final Limits CLIENT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(2), 1 << 20);
        /**
         * Admin API connections: few (capped) and an operator's tool behind each, so a refused body
         * is read whole up to 64 MiB and the tool sees its 413, not a reset.
         */
        public static final Limits ADMIN = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(2), 64L << 20);
    }

    /** Longest a client connection lingers in all, from the answer on. */
    public static final long LINGER_TIME_MILLIS = Limits.CLIENT.time().toMillis();
    /** Longest wait for more bytes from the client while lingering. */
    public static final long LINGER_TIMEOUT_MILLIS = Limits.CLIENT.timeout().toMillis();
    /** Most bytes read and discarded while lingering. */
    public static final long LINGER_BYTES = Limits.CLIENT.bytes();

    static final String LINGER_TIME = "10 s";
    static final String LINGER_TIMEOUT = "2 s";

    private static final String NAME = "linger";

    private final long timeMillis;
    private final long timeoutMillis;
    private final long maxBytes;
    private final long startNanos = System.nanoTime();
    private long lastReadNanos = startNanos;
    private long discarded;
    private ScheduledFuture<?> timer;

    private LingeringClose(Limits limits) {
        this.timeMillis = limits.time().toMillis();
        this.timeoutMillis = limits.timeout().toMillis();
        this.maxBytes = limits.bytes();
    }

    /**
     * Closes {@code channel} once {@code answer} is written, lingering as the class comment says.
     * Call on the channel's event loop, after the last write.
     *
     * @param onLinger run when the connection starts lingering (for a metric), may be null
     */
    public static void closeAfter(Channel channel, ChannelFuture answer, Runnable onLinger) {
        closeAfter(channel, answer, Limits.CLIENT, onLinger);
    }

    /** As {@link #closeAfter(Channel, ChannelFuture, Runnable)}, with the given limits. */
    public static void closeAfter(Channel channel, ChannelFuture answer, Limits limits, Runnable onLinger) {
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
        LingeringClose linger = new LingeringClose(limits);
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
        schedule(ctx, timeoutMillis);
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
        if (idle >= timeoutMillis || total >= timeMillis) {
            ctx.close();
            return;
        }
        schedule(ctx, Math.min(timeoutMillis - idle, timeMillis - total));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            discarded += ((ByteBuf) msg).readableBytes();
        } else if (msg instanceof ByteBufHolder) {
            discarded += ((ByteBufHolder) msg).content().readableBytes();
        }
        ReferenceCountUtil.release(msg);
        lastReadNanos = System.nanoTime();
        if (discarded > maxBytes) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Nobody behind this handler reads any more.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
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
