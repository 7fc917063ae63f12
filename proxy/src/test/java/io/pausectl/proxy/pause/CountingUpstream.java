package io.pausectl.proxy.pause;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin for the pause tests (Netty, port 0, aggregating bodies up to 32 MiB): records the
 * {@code X-Req-Id} of every request in arrival order and how often each id came, tracks how many
 * requests it is answering at once, and checks bodies against the {@link #pattern} byte pattern.
 * Paths: {@code /slow?ms=N} answers after N ms, {@code /park} answers when {@link #unpark} is
 * called, anything else answers at once with {@code ok <id>}.
 */
final class CountingUpstream implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> bodyLengths = new ConcurrentHashMap<>();
    private final Map<String, Boolean> bodyIntact = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> parked = new ConcurrentLinkedQueue<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();

    CountingUpstream() throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(32 << 20), new Handler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    String url() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Request ids in the order they arrived. */
    List<String> order() {
        return List.copyOf(order);
    }

    /** How many times a request with this id arrived. */
    int count(String id) {
        AtomicInteger n = counts.get(id);
        return n == null ? 0 : n.get();
    }

    /** Ids that arrived more than once. */
    List<String> duplicates() {
        return counts.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey).toList();
    }

    Long bodyLength(String id) {
        return bodyLengths.get(id);
    }

    Boolean bodyIntact(String id) {
        return bodyIntact.get(id);
    }

    /** Requests being answered now (arrived, response not yet written). */
    int active() {
        return active.get();
    }

    /** The most requests it was answering at once. */
    int maxActive() {
        return maxActive.get();
    }

    /** Requests to {@code /park} waiting for {@link #unpark}. */
    int parked() {
        return parked.size();
    }

    /** Answers every parked request. */
    void unpark() {
        Runnable r;
        while ((r = parked.poll()) != null) {
            r.run();
        }
    }

    @Override
    public void close() {
        unpark();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** {@code size} bytes cycling through 'a'..'z'. */
    static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String id = req.headers().get("x-req-id", "");
            order.add(id);
            counts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            // One copy: per-byte reads would each be recorded by the paranoid leak detector.
            byte[] body = ByteBufUtil.getBytes(req.content());
            bodyLengths.put(id, (long) body.length);
            boolean intact = true;
            for (int i = 0; i < body.length; i++) {
                if (body[i] != (byte) ('a' + i % 26)) {
                    intact = false;
                    break;
                }
            }
            bodyIntact.put(id, intact);
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            Runnable answer = () -> ctx.executor().execute(() -> {
                active.decrementAndGet();
                byte[] text = ("ok " + id).getBytes(StandardCharsets.US_ASCII);
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(text));
                r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
                ctx.writeAndFlush(r);
            });
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            switch (q.path()) {
                case "/slow":
                    long ms = Long.parseLong(q.parameters().getOrDefault("ms", List.of("1000")).get(0));
                    ctx.executor().schedule(answer, ms, TimeUnit.MILLISECONDS);
                    break;
                case "/park":
                    parked.add(answer);
                    break;
                default:
                    answer.run();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
