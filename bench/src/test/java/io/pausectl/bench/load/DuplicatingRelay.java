package io.pausectl.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.pausectl.bench.net.Transports;
import io.pausectl.bench.upstream.RequestIds;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * A deliberately wrong relay for the generator's tests: forwards every request to the upstream and
 * answers with the upstream's answer, but forwards the requests {@code duplicate} picks twice, as
 * a proxy that retried a request it had already forwarded would.
 */
final class DuplicatingRelay implements AutoCloseable {
    private final EventLoopGroup group = Transports.group("duplicating-relay", 1);
    private final HttpClient upstreamClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Channel server;

    DuplicatingRelay(URI upstream, LongPredicate duplicate) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        relay(ctx, req.headers().get(RequestIds.HEADER), upstream, duplicate);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
    }

    private void relay(ChannelHandlerContext ctx, String id, URI upstream, LongPredicate duplicate) {
        HttpRequest forward = HttpRequest.newBuilder(upstream.resolve("/relayed"))
                .header(RequestIds.HEADER, id).GET().build();
        if (duplicate.test(RequestIds.seqOf(id))) {
            upstreamClient.sendAsync(forward, HttpResponse.BodyHandlers.discarding());
        }
        upstreamClient.sendAsync(forward, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) ->
                ctx.executor().execute(() -> {
                    FullHttpResponse response = e != null
                            ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY,
                                    Unpooled.copiedBuffer("relay failed", StandardCharsets.US_ASCII))
                            : new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.statusCode()),
                                    Unpooled.wrappedBuffer(r.body()));
                    if (r != null) {
                        r.headers().firstValue(RequestIds.HEADER).ifPresent(v -> response.headers().set(RequestIds.HEADER, v));
                    }
                    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
                    ctx.writeAndFlush(response);
                }));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
