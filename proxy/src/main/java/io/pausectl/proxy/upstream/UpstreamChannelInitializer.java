package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Pipeline of a connection to an upstream: {@code http} ({@link UpstreamHttpCodec}: encodes the
 * forwarded requests, decodes responses, knows which answered a HEAD) then {@code upstream}
 * ({@link UpstreamConnection}, which hands responses to the exchange it is lent to).
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {
    /** The codec's name in the upstream pipeline ({@link UpstreamExchange#tunnelTo} removes it). */
    static final String CODEC = "http";

    /** Response heads from an origin may be larger than what clients are allowed to send. */
    static final int MAX_RESPONSE_LINE = 16 * 1024;
    static final int MAX_RESPONSE_HEADER = 64 * 1024;
    static final int MAX_CHUNK = 16 * 1024;

    private final UpstreamConnectionPool pool;
    private final UpstreamTarget target;

    UpstreamChannelInitializer(UpstreamConnectionPool pool, UpstreamTarget target) {
        this.pool = pool;
        this.target = target;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(CODEC, new UpstreamHttpCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                        .setMaxHeaderSize(MAX_RESPONSE_HEADER)
                        .setMaxChunkSize(MAX_CHUNK)))
                .addLast("upstream", new UpstreamConnection(pool, target));
    }
}
