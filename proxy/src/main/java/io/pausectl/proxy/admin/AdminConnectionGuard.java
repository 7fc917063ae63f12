package io.pausectl.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import io.pausectl.proxy.client.LingeringClose;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * First in an admin connection's pipeline (before the HTTP codec): bounds how long the connection
 * may hold the server's resources without a whole request, and how many admin connections there
 * are. The server's own time to answer (a pause's {@code waitIdle}) is not counted.
 *
 * <ul>
 *   <li>No request under way: closed after {@link AdminLimits#idleTimeout()}.</li>
 *   <li>A request's first byte arrived: it must be whole within {@link AdminLimits#requestTimeout()},
 *       else 408 and a {@link LingeringClose}.</li>
 *   <li>Over {@link AdminLimits#maxConnections()}: 503 at once and a lingering close.</li>
 * </ul>
 * {@link AdminHandler} tells it when a request is whole ({@link #answering}) and when its answer is
 * written ({@link #idle}). Runs on the connection's event loop only.
 */
final class AdminConnectionGuard extends ChannelInboundHandlerAdapter {
    private enum Phase { IDLE, READING, ANSWERING, CLOSING }

    private final AdminLimits limits;
    private final AtomicInteger open;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private ScheduledFuture<?> timer;
    private boolean counted;

    AdminConnectionGuard(AdminLimits limits, AtomicInteger open) {
        this.limits = limits;
        this.open = open;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counted = true;
        if (open.incrementAndGet() > limits.maxConnections()) {
            phase = Phase.CLOSING;
            refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_connections", "the admin API has "
                    + limits.maxConnections() + " connections open already; retry shortly", true);
            return;
        }
        arm(limits.idleTimeout().toNanos());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        if (counted) {
            counted = false;
            open.decrementAndGet();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (phase == Phase.CLOSING) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (phase == Phase.IDLE && msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
            phase = Phase.READING;
            arm(limits.requestTimeout().toNanos());
        }
        super.channelRead(ctx, msg);
    }

    /** A whole request reached the handler: no timeout while the server answers it. */
    void answering() {
        if (phase != Phase.CLOSING) {
            phase = Phase.ANSWERING;
            cancel();
        }
    }

    /** The answer is written and nothing else waits: the idle timeout runs again. */
    void idle() {
        if (phase == Phase.ANSWERING) {
            phase = Phase.IDLE;
            arm(limits.idleTimeout().toNanos());
        }
    }

    /** The connection is being closed by someone else: no more timers. */
    void closing() {
        phase = Phase.CLOSING;
        cancel();
    }

    private void arm(long nanos) {
        cancel();
        timer = ctx.executor().schedule(this::expired, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (phase == Phase.READING) {
            phase = Phase.CLOSING;
            refuse(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", "the request did not arrive whole within "
                    + io.pausectl.common.Durations.format(limits.requestTimeout()), false);
        } else if (phase == Phase.IDLE) {
            phase = Phase.CLOSING;
            ctx.close();
        }
    }

    /**
     * Writes a whole error answer straight to the socket (below the codec, which may hold half a
     * request) and closes with a lingering close.
     */
    private void refuse(HttpResponseStatus status, String code, String message, boolean retryAfter) {
        FullHttpResponse response = AdminHandler.errorResponse(status, code, message);
        try {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status.code()).append(' ')
                    .append(status.reasonPhrase()).append("\r\n");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (retryAfter) {
                response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            }
            response.headers().forEach(h -> head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n"));
            head.append("\r\n");
            ByteBuf bytes = Unpooled.wrappedBuffer(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII),
                    response.content().retain());
            LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(bytes), LingeringClose.Limits.ADMIN, null);
        } finally {
            response.release();
        }
        // Nothing more is decoded on this connection: drop the HTTP handlers now, so that what they
        // hold (half a request, a partly aggregated body) is released at once, not at close.
        while (ctx.pipeline().last() != this) {
            ctx.pipeline().removeLast();
        }
    }
}
