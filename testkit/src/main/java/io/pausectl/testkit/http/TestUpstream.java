package io.pausectl.testkit.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The origin server of every module's tests (Netty, 127.0.0.1, port 0, two event loops). It records
 * every request it sees (head and body, in arrival order) and the connections it accepts, and
 * answers by path:
 * <ul>
 *   <li>anything else (e.g. {@code /echo}): 200 with the request body, fixed length, header
 *       {@code x-path}; a request with an {@code X-Req-Id} header is answered {@code ok <id>}
 *       instead (the pause tests follow requests by id: {@link #order}, {@link #count})</li>
 *   <li>{@code /slow?ms=N}: answers after N ms: {@code slow}, or {@code ok <id>}</li>
 *   <li>{@code /park}: answers {@code ok <id>} when {@link #unpark} is called; {@code /park?hint=1}
 *       sends a {@code 103 Early Hints} at once, before it parks</li>
 *   <li>{@code /chunked?n=N}: 200 in N chunks of "chunk-i;"</li>
 *   <li>{@code /close-delimited}: HTTP/1.0-style response, no length, ended by closing</li>
 *   <li>{@code /bytes?size=N}: N bytes 'a'..'z' repeating, fixed length</li>
 *   <li>{@code /hop}: a response with hop-by-hop headers that must not reach the client</li>
 *   <li>{@code /cut}: promises 100 bytes, sends 10, closes</li>
 *   <li>{@code /stall...}: stops reading the request body until {@link #unstall}, then answers its length</li>
 *   <li>{@code /close-after}: 200, then closes the idle connection 50 ms later</li>
 *   <li>{@code /reset}: closes without answering</li>
 *   <li>{@code /garbage}: answers something that is not HTTP</li>
 *   <li>{@code /stray}: 200 "stray", and in the same write a second response nobody asked for</li>
 *   <li>{@code /conn-close}: 200 with Connection: close, then closes</li>
 *   <li>{@code /ws}: 101 to an upgrade, then echoes raw bytes</li>
 *   <li>{@code /flood?size=N}: N bytes, written as fast as the socket takes them, noting when the
 *       socket stops taking them (backpressure reached the upstream)</li>
 * </ul>
 * Bodies are aggregated up to 64 MiB.
 */
public final class TestUpstream implements AutoCloseable {
    /** One request as the upstream saw it. */
    public record Seen(String method, String uri, HttpVersion version, HttpHeaders headers, byte[] body,
                       boolean chunked) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final io.netty.util.AttributeKey<Boolean> CHUNKED = io.netty.util.AttributeKey.valueOf("chunked");
    /** The header by which the pause tests follow a request. */
    public static final String REQUEST_ID = "x-req-id";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedConnections = new AtomicInteger();
    private final List<Framing> stalled = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<ChannelHandlerContext> stalledContexts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean floodBlocked = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> parked = new ConcurrentLinkedQueue<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    /** Bytes of {@code /flood} bodies handed to the socket so far. */
    public final java.util.concurrent.atomic.AtomicLong floodWritten = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Every connection it accepted, closed by {@link #close} and, once closed, any accepted later
     * (stayClosed): a channel whose registration ran after its event loop began to shut down would
     * otherwise stay open with nobody reading it.
     */
    private final io.netty.channel.group.ChannelGroup accepted = new io.netty.channel.group.DefaultChannelGroup(
            "accepted", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE, true);
    private final Channel server;

    public TestUpstream() {
        this(0);
    }

    /** Listens on {@code port} (0: a free one), e.g. to come back where an upstream was stopped. */
    public TestUpstream(int port) {
        this(port, 0, 0);
    }

    /**
     * An upstream with a small listen queue that accepts slowly, as {@code python3 -m http.server}
     * (a queue of 5, one thread accepting): at most {@code backlog} connections wait to be
     * accepted (the kernel drops further SYNs and handshake ACKs), and it accepts one connection
     * every {@code acceptEveryMicros}.
     */
    public static TestUpstream withListenQueue(int backlog, long acceptEveryMicros) {
        return new TestUpstream(0, backlog, acceptEveryMicros);
    }

    private TestUpstream(int port, int backlog, long acceptEveryMicros) {
        ServerBootstrap bootstrap = new ServerBootstrap();
        if (backlog > 0) {
            bootstrap.option(io.netty.channel.ChannelOption.SO_BACKLOG, backlog)
                    .option(io.netty.channel.ChannelOption.AUTO_READ, false)
                    .option(io.netty.channel.ChannelOption.RCVBUF_ALLOCATOR,
                            new io.netty.channel.ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1));
        }
        server = bootstrap
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        accepted.add(ch);
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        ch.pipeline().addLast("codec", new HttpServerCodec())
                                .addLast("framing", new Framing())
                                .addLast("agg", new HttpObjectAggregator(64 << 20))
                                .addLast("handler", new Handler());
                    }
                })
                .option(io.netty.channel.ChannelOption.SO_REUSEADDR, true)
                .bind("127.0.0.1", port).syncUninterruptibly().channel();
        if (backlog > 0) {
            // One accept per tick (a read of at most one message, auto-read off).
            server.eventLoop().scheduleAtFixedRate(server::read, acceptEveryMicros, acceptEveryMicros,
                    java.util.concurrent.TimeUnit.MICROSECONDS);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The requests seen so far, in arrival order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** How many requests arrived so far. */
    public int received() {
        return seen.size();
    }

    /** The paths of the requests seen, in arrival order. */
    public List<String> paths() {
        return seen.stream().map(r -> new QueryStringDecoder(r.uri()).path()).toList();
    }

    /** Forgets the requests seen so far ({@link #seen}, {@link #order} and the rest start again). */
    public void forgetSeen() {
        seen.clear();
    }

    /** The {@code X-Req-Id}s of the requests seen, in arrival order ("" for a request without one). */
    public List<String> order() {
        return seen.stream().map(TestUpstream::id).toList();
    }

    /** How many times a request with this id arrived. */
    public int count(String id) {
        return (int) seen.stream().filter(r -> id(r).equals(id)).count();
    }

    /** Ids that arrived more than once. */
    public List<String> duplicates() {
        return seen.stream().collect(java.util.stream.Collectors.groupingBy(TestUpstream::id,
                        java.util.LinkedHashMap::new, java.util.stream.Collectors.counting()))
                .entrySet().stream().filter(e -> e.getValue() > 1).map(java.util.Map.Entry::getKey).toList();
    }

    /** The body length of the last request with this id, or null if none arrived. */
    public Long bodyLength(String id) {
        return last(id).map(r -> (long) r.body().length).orElse(null);
    }

    /** Whether the body of the last request with this id is the {@link #pattern}, or null if none arrived. */
    public Boolean bodyIntact(String id) {
        return last(id).map(r -> java.util.Arrays.equals(r.body(), pattern(r.body().length))).orElse(null);
    }

    /** Requests to the default path, {@code /slow} or {@code /park} being answered now (arrived, not yet answered). */
    public int active() {
        return active.get();
    }

    /** The most requests it was answering at once ({@link #active}). */
    public int maxActive() {
        return maxActive.get();
    }

    /** Requests to {@code /park} waiting for {@link #unpark}. */
    public int parked() {
        return parked.size();
    }

    /** Answers every parked request. */
    public void unpark() {
        Runnable r;
        while ((r = parked.poll()) != null) {
            r.run();
        }
    }

    private static String id(Seen r) {
        String id = r.headers().get(REQUEST_ID);
        return id == null ? "" : id;
    }

    private java.util.Optional<Seen> last(String id) {
        Seen found = null;
        for (Seen r : seen) {
            if (id(r).equals(id)) {
                found = r;
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections that stopped reading a {@code /stall} request's body. */
    public int stalledConnections() {
        return stalled.size();
    }

    /** Lets every stalled connection read again. */
    public void unstall() {
        for (int i = 0; i < stalled.size(); i++) {
            stalled.get(i).unstall(stalledContexts.get(i));
        }
    }

    /** Connections closed so far (by either side). */
    public int closedConnections() {
        return closedConnections.get();
    }

    /** Whether a {@code /flood} response found its socket full (the proxy stopped reading). */
    public boolean floodBlocked() {
        return floodBlocked.get();
    }

    /**
     * Stops as a killed process would: the listener and every accepted connection closed (the
     * kernel resets those not yet accepted), so a client never waits on a connection that nobody
     * will read. Parked requests are answered first.
     */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        unpark();
        server.close().syncUninterruptibly();
        accepted.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Notes each request's framing for {@link Seen}, and stalls a {@code /stall} request: no read
     * reaches the socket until {@link #unstall} (the aggregator behind asks for reads even with
     * auto-read off, so they are held back here).
     */
    private final class Framing extends io.netty.channel.ChannelDuplexHandler {
        private volatile boolean stalledNow;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.handler.codec.http.HttpRequest) {
                io.netty.handler.codec.http.HttpRequest req = (io.netty.handler.codec.http.HttpRequest) msg;
                ctx.channel().attr(CHUNKED).set(io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(req));
                if (req.uri().startsWith("/stall")) {
                    stalledNow = true;
                    ctx.channel().config().setAutoRead(false);
                    stalled.add(this);
                    stalledContexts.add(ctx);
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (!stalledNow) {
                ctx.read();
            }
        }

        void unstall(ChannelHandlerContext ctx) {
            ctx.executor().execute(() -> {
                stalledNow = false;
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            });
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            seen.add(new Seen(req.method().name(), req.uri(), req.protocolVersion(), req.headers().copy(),
                    ByteBufUtil.getBytes(req.content()), Boolean.TRUE.equals(ctx.channel().attr(CHUNKED).get())));
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            switch (q.path()) {
                case "/chunked": {
                    int n = Integer.parseInt(param(q, "n", "3"));
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    ctx.write(head);
                    for (int i = 0; i < n; i++) {
                        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("chunk-" + i + ";", StandardCharsets.US_ASCII)));
                    }
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    return;
                }
                case "/close-delimited": {
                    raw(ctx, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close-body", true);
                    return;
                }
                case "/bytes": {
                    int size = Integer.parseInt(param(q, "size", "16"));
                    ctx.writeAndFlush(full(HttpResponseStatus.OK, pattern(size)));
                    return;
                }
                case "/hop": {
                    FullHttpResponse r = full(HttpResponseStatus.OK, "hop".getBytes(StandardCharsets.US_ASCII));
                    r.headers().set(HttpHeaderNames.CONNECTION, "x-upstream-private")
                            .set("x-upstream-private", "secret")
                            .set(HttpHeaderNames.KEEP_ALIVE, "timeout=5")
                            .set("proxy-connection", "keep-alive")
                            .set(HttpHeaderNames.TRAILER, "x-t")
                            .set("x-end-to-end", "kept");
                    ctx.writeAndFlush(r);
                    return;
                }
                case "/slow": {
                    long ms = Long.parseLong(param(q, "ms", "1000"));
                    Runnable answer = answer(ctx, req.headers().get(REQUEST_ID), "slow".getBytes(StandardCharsets.US_ASCII));
                    ctx.executor().schedule(answer, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return;
                }
                case "/park": {
                    if ("1".equals(param(q, "hint", "0"))) {
                        raw(ctx, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", false);
                    }
                    String id = req.headers().get(REQUEST_ID);
                    parked.add(answer(ctx, id == null ? "" : id, null));
                    return;
                }
                case "/cut": {
                    raw(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", true);
                    return;
                }
                case "/trickle": {
                    // The head and the start of the body, then silence on an open connection.
                    raw(ctx, "1".equals(param(q, "chunked", "0"))
                            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n"
                            : "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", false);
                    return;
                }
                case "/stall": {
                    ctx.writeAndFlush(full(HttpResponseStatus.OK,
                            Integer.toString(req.content().readableBytes()).getBytes(StandardCharsets.US_ASCII)));
                    return;
                }
                case "/close-after": {
                    // A normal keep-alive response, then the upstream drops the idle connection
                    // (as an origin's keep-alive timeout does).
                    ctx.writeAndFlush(full(HttpResponseStatus.OK, "then-close".getBytes(StandardCharsets.US_ASCII)));
                    ctx.executor().schedule(() -> ctx.close(), 50, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return;
                }
                case "/reset": {
                    ctx.close();
                    return;
                }
                case "/stray": {
                    raw(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"
                            + "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nunasked!", false);
                    return;
                }
                case "/garbage": {
                    raw(ctx, "THIS IS NOT HTTP\r\n\r\n", true);
                    return;
                }
                case "/conn-close": {
                    FullHttpResponse r = full(HttpResponseStatus.OK, "bye".getBytes(StandardCharsets.US_ASCII));
                    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                case "/ws": {
                    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
                    r.headers().set(HttpHeaderNames.UPGRADE, req.headers().get(HttpHeaderNames.UPGRADE))
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                            .set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, "test-accept");
                    ctx.writeAndFlush(r);
                    ctx.writeAndFlush(new DefaultLastHttpContent());
                    ctx.pipeline().remove("agg");
                    ctx.pipeline().remove("framing");
                    ctx.pipeline().remove("codec");
                    ctx.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext c, Object msg) {
                            c.writeAndFlush(msg);
                        }
                    });
                    ctx.pipeline().remove(this);
                    return;
                }
                case "/flood": {
                    long size = Long.parseLong(param(q, "size", "33554432"));
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.CONTENT_LENGTH, size);
                    ctx.writeAndFlush(head);
                    flood(ctx, size);
                    return;
                }
                default: {
                    String id = req.headers().get(REQUEST_ID);
                    if (id != null) {
                        answer(ctx, id, null).run();
                        return;
                    }
                    FullHttpResponse r = full(HttpResponseStatus.OK, ByteBufUtil.getBytes(req.content()));
                    r.headers().set("x-path", q.path());
                    ctx.writeAndFlush(r);
                }
            }
        }

        /**
         * Counts the request {@link #active} and returns what answers it, on its event loop:
         * {@code ok <id>} when it has an id, else {@code otherwise}.
         */
        private Runnable answer(ChannelHandlerContext ctx, String id, byte[] otherwise) {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            byte[] body = id != null || otherwise == null ? ("ok " + id).getBytes(StandardCharsets.US_ASCII) : otherwise;
            return () -> ctx.executor().execute(() -> {
                active.decrementAndGet();
                ctx.writeAndFlush(full(HttpResponseStatus.OK, body));
            });
        }

        private void flood(ChannelHandlerContext ctx, long remaining) {
            while (remaining > 0 && ctx.channel().isActive()) {
                if (!ctx.channel().isWritable()) {
                    floodBlocked.set(true);
                    long left = remaining;
                    ctx.executor().schedule(() -> flood(ctx, left), 20, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return;
                }
                int n = (int) Math.min(8192, remaining);
                remaining -= n;
                floodWritten.addAndGet(n);
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(pattern(n))));
                if (remaining == 0) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    ctx.flush();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void raw(ChannelHandlerContext ctx, String text, boolean close) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        // Written from the codec's context, so it goes to the socket as is.
        var write = ctx.pipeline().context("codec").writeAndFlush(buf);
        if (close) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse full(HttpResponseStatus status, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    private static String param(QueryStringDecoder q, String name, String def) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? def : v.get(0);
    }

    /** {@code size} bytes cycling through 'a'..'z'. */
    public static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }
}
