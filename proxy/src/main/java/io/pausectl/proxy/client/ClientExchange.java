package io.pausectl.proxy.client;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;
import io.pausectl.proxy.gate.GatedRequest;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.upstream.UpstreamExchange;
import io.pausectl.proxy.upstream.UpstreamTarget;

/**
 * One request and its response on a client connection, from the request head to the end of the
 * response. It is what the pause gate holds ({@link GatedRequest}); every field is touched only on
 * the client channel's event loop, by {@link ClientExchangeHandler}.
 */
final class ClientExchange extends GatedRequest {
    private final ClientExchangeHandler handler;
    final HttpRequest request;
    final long startNanos;
    final boolean clientKeepAlive;
    final boolean http10;
    final boolean isHead;
    final boolean hasBody;
    final boolean expectContinue;
    final boolean upgrade;
    final String uri;

    /** True once the gate said forward or released it: {@code gate.exit} is owed. */
    boolean forwarded;
    /** Nanoseconds the gate held it, or -1 when it was never held. */
    long heldNanos = -1;
    /** The client's last content was read (so the connection is at a message boundary). */
    boolean requestFullyRead;
    boolean responseStarted;
    /** The response says (or will say) Connection: close; the client connection ends with it. */
    boolean closeClient;
    /** The exchange ended (answered, failed or abandoned); late callbacks are ignored. */
    boolean done;
    /** The upstream answered 101: the connection becomes a tunnel at the end of that response. */
    boolean switching;
    /** Reading the client waits for the upstream to drain. */
    boolean waitingUpstreamWritable;
    int status;
    long responseBytes;
    /** Why the response was cut after its head went out (an upstream error kind), or null. */
    String cutBy;
    /** The upstream that answered (for the access log); null before a connection. */
    UpstreamTarget target;
    /** The upstream half, while the exchange has one. */
    UpstreamExchange upstream;

    ClientExchange(ClientExchangeHandler handler, EventLoop eventLoop, HttpRequest request, String path, String host,
                   int headBytes, long startNanos, boolean clientKeepAlive, boolean hasBody, boolean expectContinue,
                   boolean upgrade) {
        super(eventLoop, request.method().name(), path, host, headBytes);
        this.handler = handler;
        this.request = request;
        this.uri = request.uri();
        this.startNanos = startNanos;
        this.clientKeepAlive = clientKeepAlive;
        this.http10 = request.protocolVersion().minorVersion() == 0;
        this.isHead = "HEAD".equals(request.method().name());
        this.hasBody = hasBody;
        this.expectContinue = expectContinue;
        this.upgrade = upgrade;
    }

    @Override
    protected HttpRequest head() {
        return request;
    }

    @Override
    public String client() {
        return handler.clientAddress();
    }

    @Override
    protected void onRelease(long heldNanos) {
        handler.released(this, heldNanos);
    }

    @Override
    protected boolean clientGoneAtRelease() {
        return handler.goneAtRelease(this);
    }

    @Override
    protected void onClientGone() {
        handler.closeGone(this);
    }

    @Override
    protected void onRefuse(Refusal why) {
        handler.refused(this, why);
    }
}
