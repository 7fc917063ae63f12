package io.pausectl.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.flow.FlowControlHandler;
import io.pausectl.proxy.client.ClientContext;
import io.pausectl.proxy.client.ClientExchangeHandler;
import io.pausectl.proxy.client.ClientHttpCodec;
import io.pausectl.proxy.client.ClientRequestValidator;

/**
 * Pipeline of a client connection, in order: {@code http} ({@link ClientHttpCodec}, strict
 * request framing), {@code flow}
 * ({@link FlowControlHandler}: one HTTP object per read, so pipelined requests wait their turn),
 * {@code validator} ({@link ClientRequestValidator}: smuggling vectors and limits answered and
 * closed), {@code exchange} ({@link ClientExchangeHandler}: gate, upstream, response relay; it also
 * keeps the idle timeout, with one lazily re-armed timer, so that no handler has to watch every
 * read and write).
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
                .addLast("http", new ClientHttpCodec(context.config().maxRequestLineLength(),
                        context.config().maxHeaderSize(), MAX_CHUNK))
                .addLast("flow", new FlowControlHandler())
                .addLast("validator", new ClientRequestValidator(context.metrics(), context.config().accessLog()))
                .addLast("exchange", new ClientExchangeHandler(context));
    }
}
