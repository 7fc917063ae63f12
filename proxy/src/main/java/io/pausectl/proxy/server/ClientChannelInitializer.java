package io.pausectl.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.flow.FlowControlHandler;
import io.pausectl.proxy.client.ClientContext;
import io.pausectl.proxy.client.ClientExchangeHandler;
import io.pausectl.proxy.client.ClientHttpCodec;
import io.pausectl.proxy.client.ClientPipeline;
import io.pausectl.proxy.client.ClientRequestValidator;
import io.pausectl.proxy.client.LingeringClose;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pipeline of a client connection, in order: {@code http} ({@link ClientHttpCodec}, strict
 * request framing), {@code flow}
 * ({@link FlowControlHandler}: one HTTP object per read, so pipelined requests wait their turn),
 * {@code validator} ({@link ClientRequestValidator}: smuggling vectors and limits answered and
 * closed), {@code exchange} ({@link ClientExchangeHandler}: gate, upstream, response relay; it also
 * keeps the idle and header timeouts, with lazily re-armed timers, so that no handler has to watch
 * every read and write). A connection past {@code --max-connections} gets none of these: it is
 * answered 503 and closed.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    /** Largest body piece handed over at once; larger reads are split. */
    static final int MAX_CHUNK = 16 * 1024;

    /** A connection past --max-connections is answered 503 at once, with the connection closed. */
    private static final byte[] TOO_MANY = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "content-type: text/plain; charset=utf-8\r\ncontent-length: 59\r\nretry-after: 1\r\n"
            + "connection: close\r\n\r\n"
            + "503 Service Unavailable: too many connections to the proxy\n").getBytes(StandardCharsets.US_ASCII);

    private final ClientContext context;
    private final ChannelGroup clients;
    /** Client connections open (refused ones not counted); touched by every event loop. */
    private final AtomicInteger open = new AtomicInteger();

    ClientChannelInitializer(ClientContext context, ChannelGroup clients) {
        this.context = context;
        this.clients = clients;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (open.incrementAndGet() > context.config().maxConnections()) {
            open.decrementAndGet();
            refuse(ch);
            return;
        }
        ch.closeFuture().addListener(f -> open.decrementAndGet());
        clients.add(ch);
        ch.pipeline()
                .addLast(ClientPipeline.HTTP, new ClientHttpCodec(context.config().maxRequestLineLength(),
                        context.config().maxHeaderSize(), MAX_CHUNK))
                .addLast(ClientPipeline.FLOW, new FlowControlHandler())
                .addLast(ClientPipeline.VALIDATOR, new ClientRequestValidator(context.metrics(), context.config().accessLog()))
                .addLast(ClientPipeline.EXCHANGE, new ClientExchangeHandler(context));
    }

    /**
     * Past {@code --max-connections}: a clear 503 with {@code Retry-After}, before reading anything,
     * then a lingering close (the request the client sends meanwhile must not turn the answer into
     * a reset). The cap keeps the proxy below the open-files limit, so a flood of slow clients
     * cannot starve the connections it serves, upstream ones included, of descriptors.
     */
    private void refuse(Channel ch) {
        context.metrics().connectionRefused();
        context.metrics().requestDone(503, 0);
        ch.pipeline().addLast("refuse", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                LingeringClose.closeAfter(ch, ch.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)),
                        context.metrics()::lingeringClose);
            }
        });
    }
}
