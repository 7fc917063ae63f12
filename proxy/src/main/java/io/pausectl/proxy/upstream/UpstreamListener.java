package io.pausectl.proxy.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;

/**
 * What the upstream half of an exchange ({@link UpstreamExchange}) tells its client side. Every
 * call happens on the event loop that both sides share. After {@link #upstreamFailed}, after the
 * last content, or once the client side called {@link UpstreamExchange#abort}, nothing more is
 * said.
 */
public interface UpstreamListener {
    /**
     * The request head went out on a connection: the client side may now read the request body
     * (and answer {@code Expect: 100-continue}).
     */
    void upstreamConnected();

    /**
     * An interim response other than {@code 100} and {@code 101} (e.g. {@code 103 Early Hints}),
     * before the final one; RFC 9110 §15.2 has a proxy forward it to HTTP/1.1 clients only. Not
     * reference-counted.
     */
    void upstreamInterim(HttpResponse interim);

    /**
     * A response head: the final one, or a {@code 101} to a request that asked for an upgrade (the
     * connection becomes a tunnel at the end of that response; see
     * {@link UpstreamExchange#tunnelTo}). Not reference-counted.
     */
    void upstreamHead(HttpResponse head);

    /**
     * A piece of the response body, the last one ({@code LastHttpContent}) ending the exchange;
     * the listener owns it and must release or forward it. By the time the last one is handed
     * over, the upstream connection is already back in its pool or closed.
     */
    void upstreamContent(HttpContent content);

    /** The upstream socket read is done: a good time to flush the client side. */
    void upstreamReadComplete();

    /** The upstream connection can take more of the request body again. */
    void upstreamWritable();

    /**
     * The exchange failed: no connection could be had, the connection closed or reset, the
     * upstream spoke invalid HTTP, or it did not answer in time. The upstream connection is closed
     * and already counted in the metrics; nothing more will come.
     */
    void upstreamFailed(UpstreamErrorKind kind, Throwable cause);
}
