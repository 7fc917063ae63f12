package io.pausectl.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.channel.ChannelPipeline;
import io.pausectl.proxy.client.LingeringClose;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's HTTP server (JSON; see {@link AdminHandler} for the endpoints), on its own
 * single event loop so that it answers even when the client side is saturated.
 */
public final class AdminServer {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final InetSocketAddress listen;
    private final Optional<String> token;
    private final QueueingPauseGate gate;
    private final ProxyMetrics metrics;
    private final AdminLimits limits;
    private EventLoopGroup group;
    private Channel serverChannel;

    /**
     * @param listen  where to listen (port 0 picks a free one)
     * @param token   the bearer token every request but {@code /healthz} must carry, if any
     * @param gate    the gate the API drives
     * @param metrics what {@code /metrics} publishes
     */
    public AdminServer(InetSocketAddress listen, Optional<String> token, QueueingPauseGate gate, ProxyMetrics metrics) {
        this(listen, token, gate, metrics, AdminLimits.DEFAULT);
    }

    /** As above, with limits of the caller's (tests use short timeouts). */
    public AdminServer(InetSocketAddress listen, Optional<String> token, QueueingPauseGate gate, ProxyMetrics metrics,
                       AdminLimits limits) {
        this.listen = listen;
        this.token = token;
        this.gate = gate;
        this.metrics = metrics;
        this.limits = limits;
    }

    /**
     * Binds and logs {@code admin API listening on HOST:PORT} with the real port.
     *
     * @return the bound address
     */
    public InetSocketAddress start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("admin-api", true),
                NioIoHandler.newFactory());
        BearerToken bearer = token.map(BearerToken::new).orElse(null);
        // One event loop serves every admin connection, so the budgets need no locking.
        AdminConnections connections = new AdminConnections(limits);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        AdminConnectionGuard guard = new AdminConnectionGuard(limits, connections);
                        AdminHandler handler = new AdminHandler(gate, metrics, bearer, guard);
                        ch.pipeline().addLast(
                                guard,
                                new HttpServerCodec(4096, 8192, 8192),
                                new HttpObjectAggregator(limits.maxBodyBytes()) {
                                    @Override
                                    protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                                                         ChannelPipeline pipeline) {
                                        // No 100 Continue for a caller without the token: it gets 401 first.
                                        if (bearer != null && !bearer.accepts(
                                                start.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                                            return null;
                                        }
                                        Object early = super.newContinueResponse(start, maxContentLength, pipeline);
                                        if (early == null || !handler.answerOwed()) {
                                            return early;
                                        }
                                        // A request before this one is not answered yet: its answer goes first
                                        // (RFC 9112 §9.3.2). The 100 waits its turn; a refusal (417, 413) is
                                        // left to the ordered paths: an unknown expectation is ignored (RFC 9110
                                        // §10.1.1 allows it), a body too large goes to handleOversizedMessage.
                                        boolean proceed = early instanceof HttpResponse response
                                                && response.status().code() == HttpResponseStatus.CONTINUE.code();
                                        ReferenceCountUtil.release(early);
                                        if (proceed) {
                                            ChannelHandlerContext last = pipeline.context(handler);
                                            handler.inTurn(() -> last.writeAndFlush(new DefaultFullHttpResponse(
                                                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER)));
                                        }
                                        return null;
                                    }

                                    @Override
                                    protected void handleOversizedMessage(ChannelHandlerContext ctx,
                                                                          HttpMessage oversized) {
                                        // JSON like every other admin error, 401 first for a caller without
                                        // the token; the body is unread, so close, lingering; after the answers
                                        // owed to the requests before it.
                                        boolean authorized = bearer == null || bearer.accepts(
                                                oversized.headers().get(HttpHeaderNames.AUTHORIZATION));
                                        handler.inTurn(() -> refuseOversized(ctx, authorized));
                                    }

                                    private void refuseOversized(ChannelHandlerContext ctx, boolean authorized) {
                                        handler.closingAfter();
                                        guard.closing();
                                        FullHttpResponse answer = authorized
                                                ? AdminHandler.errorResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                                                "too_large", "admin request bodies are at most "
                                                        + limits.maxBodyBytes() + " bytes")
                                                : AdminHandler.unauthorized();
                                        HttpUtil.setKeepAlive(answer, false);
                                        LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(answer), LingeringClose.Limits.ADMIN, null);
                                    }
                                },
                                handler);
                    }
                });
        try {
            serverChannel = bootstrap.bind(listen).sync().channel();
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw io.pausectl.proxy.server.ListenException.of("the admin API", listen, e);
        }
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        String host = bound.getAddress() instanceof Inet6Address
                ? "[" + bound.getAddress().getHostAddress() + "]"
                : bound.getAddress().getHostAddress();
        log.info("admin API listening on {}:{}{}", host, bound.getPort(),
                bearer == null ? " (no token: loopback only)" : " (bearer token required)");
        return bound;
    }

    /**
     * The admin API's event loop, once started: for the process's own light periodic work (the
     * idle collector), off the client loops.
     */
    public ScheduledExecutorService executor() {
        return group.next();
    }

    /** Stops listening and closes admin connections. */
    public Future<?> stop() {
        if (serverChannel != null) {
            serverChannel.close();
        }
        return group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
