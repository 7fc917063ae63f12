package io.pausectl.proxy.client;

import java.util.List;

/**
 * The names of the client pipeline's handlers, in order (docs/ARCHITECTURE.md): the one list that
 * {@code ClientChannelInitializer} builds from and that an upgrade to a tunnel takes apart.
 */
public final class ClientPipeline {
    /** {@link ClientHttpCodec}: bytes to requests, strict framing. */
    public static final String HTTP = "http";
    /** Netty's {@code FlowControlHandler}: one HTTP object per read. */
    public static final String FLOW = "flow";
    /** {@link ClientRequestValidator}. */
    public static final String VALIDATOR = "validator";
    /** {@link ClientExchangeHandler}. */
    public static final String EXCHANGE = "exchange";
    /** {@code TunnelHandler}, which replaces all of them after a 101. */
    public static final String TUNNEL = "tunnel";

    /** What sits before the exchange handler, and goes when the connection becomes a tunnel. */
    static final List<String> BEFORE_EXCHANGE = List.of(HTTP, FLOW, VALIDATOR);

    private ClientPipeline() {
    }
}
