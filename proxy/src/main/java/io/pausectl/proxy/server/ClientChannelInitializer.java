package io.pausectl.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.pausectl.proxy.client.ClientContext;
import io.pausectl.proxy.client.ClientExchangeHandler;
import io.pausectl.proxy.client.ClientHttpCodec;
import io.pausectl.proxy.client.ClientRequestValidator;

import java.util.concurrent.TimeUnit;

/**
 * Pipeline of a client connection, in order: {@code idle} (reader idle events; the exchange
 * handler closes a connection that is idle between requests. Reader idle only: watching writes
 * would cost a promise and a listener per write), {@code http} ({@link ClientHttpCodec}, strict request framing), {@code flow}
 * ({@link FlowControlHandler}: one HTTP object per read, so pipelined requests wait their turn),
 * {@code validator} ({@link ClientRequestValidator}: smuggling vectors and limits answered and
 * closed), {@code exchange} ({@link ClientExchangeHandler}: gate, upstream, response relay).
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    /** Largest body piece handed over at once; larger reads are split. */
    static final int MAX_CHUNK = 16 * 1024;

    private final ClientContext context;
    private final ChannelGroup clients;

    ClientChannelInitializer(ClientContext context, ChannelGroup clients) {
        this.context = context;
        this.clients = clients;
    }

    @Override
    protected void initChannel(Channel ch) {
        clients.add(ch);
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(context.config().clientIdleTimeout().toMillis(), 0, 0,
                        TimeUnit.MILLISECONDS))
                .addLast("http", new ClientHttpCodec(context.config().maxRequestLineLength(),
                        context.config().maxHeaderSize(), MAX_CHUNK))
                .addLast("flow", new FlowControlHandler())
                .addLast("validator", new ClientRequestValidator(context.metrics(), context.config().accessLog()))
                .addLast("exchange", new ClientExchangeHandler(context));
    }
}
