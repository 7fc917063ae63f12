package io.pausectl.proxy.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;

/**
 * What an {@link UpstreamConnection} tells the client exchange it is lent to. Every call happens
 * on the event loop that both channels share.
 */
public interface UpstreamListener {
    /** A response head (also an interim {@code 1xx}). Not reference-counted. */
    void upstreamHead(HttpResponse head);

    /** A piece of the response body; the listener owns it and must release or forward it. */
    void upstreamContent(HttpContent content);

    /** The upstream socket read is done: a good time to flush the client side. */
    void upstreamReadComplete();

    /** The upstream's outbound buffer went below its low water mark (or above its high one). */
    void upstreamWritabilityChanged(boolean writable);

    /**
     * The connection failed while lent: closed, reset, or spoke invalid HTTP. The connection is
     * already detached and closing; the listener must not use it again.
     */
    void upstreamFailed(UpstreamErrorKind kind, Throwable cause);
}
