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

/**
 * First in an admin connection's pipeline (before the HTTP codec): bounds how long the connection
 * may hold the server's resources without a whole request, and keeps its place in
 * {@link AdminConnections}' budgets. The server's own time to answer (a pause's {@code waitIdle})
 * is not counted.
 *
 * <ul>
 *   <li>No request under way: closed after {@link AdminLimits#idleTimeout()}, or
 *       {@link AdminLimits#unauthenticatedIdleTimeout()} until a request carried the token.</li>
 *   <li>A request's first byte arrived: it must be whole within {@link AdminLimits#requestTimeout()},
 *       else 408 and a {@link LingeringClose}.</li>
 *   <li>Pushed out by a newer unauthenticated connection ({@link AdminConnections#opened}): closed
 *       at once. Refused (every unauthenticated connection being answered): 503 and a lingering
 *       close.</li>
 * </ul>
 * {@link AdminHandler} tells it when a request is whole ({@link #answering}), when one carried the
 * token ({@link #authenticated}) and when its answer is written ({@link #idle}). Runs on the
 * connection's event loop only.
 */
final class AdminConnectionGuard extends ChannelInboundHandlerAdapter {
    private enum Phase { IDLE, READING, ANSWERING, CLOSING }

    /** Where the connection stands in {@link AdminConnections}; theirs to change. */
    enum Standing { UNAUTHENTICATED, AUTHENTICATED, OVER_CAP, GONE }

    private final AdminLimits limits;
    private final AdminConnections connections;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private ScheduledFuture<?> timer;
    Standing standing = Standing.UNAUTHENTICATED;

    AdminConnectionGuard(AdminLimits limits, AdminConnections connections) {
        this.limits = limits;
        this.connections = connections;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!connections.opened(this)) {
            standing = Standing.GONE;
            phase = Phase.CLOSING;
            refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_connections", "the admin API is answering "
                    + limits.maxUnauthenticated() + " new connections already; retry shortly", true);
            return;
        }
        arm(idleNanos());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        connections.closed(this);
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

    /**
     * A request on this connection carried the token (or none is configured).
     *
     * @return whether the connection may stay open after the answer (false past
     *         {@link AdminLimits#maxConnections()}: answer with {@code Connection: close})
     */
    boolean authenticated() {
        return connections.authenticated(this);
    }

    /** The answer is written and nothing else waits: the idle timeout runs again. */
    void idle() {
        if (phase == Phase.ANSWERING) {
            phase = Phase.IDLE;
            arm(idleNanos());
        }
    }

    /** Whether {@link AdminConnections} may push this connection out for a newer one. */
    boolean evictable() {
        return phase == Phase.IDLE || phase == Phase.READING;
    }

    /** Pushed out by a newer unauthenticated connection: closed at once, unanswered. */
    void evict() {
        standing = Standing.GONE;
        phase = Phase.CLOSING;
        cancel();
        ctx.close();
    }

    private long idleNanos() {
        return (standing == Standing.AUTHENTICATED ? limits.idleTimeout() : limits.unauthenticatedIdleTimeout())
                .toNanos();
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
