package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import io.netty.util.concurrent.Promise;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;

import java.io.IOException;

/**
 * The upstream half of one exchange (as Zuul's {@code ProxyEndpoint}, vert.x's
 * {@code ProxiedRequest}): gets a connection from the pool, owns it while the request goes out
 * and the response comes back, and gives it back to the pool or closes it at the end. Its client
 * side ({@link UpstreamListener}) hands it the request head and body and is told the response; it
 * never touches the upstream channel itself.
 *
 * <p>The upstream side decides its own keep-alive (from its response's framing and
 * {@code Connection}, and whether the whole request went out): a connection goes back to the pool
 * only at a clean message boundary. The response deadline ({@code --upstream-timeout}) is kept
 * here; the client side's one timer asks {@link #nanosToDeadline} rather than each exchange
 * scheduling its own.
 *
 * <p>Every method runs on the event loop that the client channel and the upstream connection
 * share. Releases: every response object it is handed goes to the listener or is released.
 */
public final class UpstreamExchange {
    private enum State { IDLE, ACQUIRING, SENDING, ENDED }

    private final UpstreamConnectionPool pool;
    private final HttpRequest head;
    private final boolean upgrade;
    private final boolean isHead;
    private final long timeoutNanos;
    private final UpstreamListener listener;
    private final FutureListener<UpstreamConnection> acquired = this::acquired;

    private State state = State.IDLE;
    private Promise<UpstreamConnection> acquiring;
    private UpstreamConnection connection;
    private UpstreamTarget target;
    /** The last request content went to the connection. */
    private boolean requestFullyWritten;
    /** A final response head arrived. */
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    /** The upstream answered 101: the connection becomes a tunnel at the end of that response. */
    private boolean switching;
    /** An interim (1xx) response is being skipped until its end. */
    private boolean skippingInterim;
    /** When the response head is due; 0 when not waiting for one. */
    private long deadlineNanos;

    /**
     * @param pool         the pool of the client channel's event loop
     * @param head         the request head as it goes upstream (hop-by-hop headers already out)
     * @param upgrade      the client asked for an upgrade, so a {@code 101} ends HTTP on the connection
     * @param timeoutNanos how long the upstream has for its response head, from the request's last
     *                     progress ({@code --upstream-timeout})
     * @param listener     the client side
     */
    public UpstreamExchange(UpstreamConnectionPool pool, HttpRequest head, boolean upgrade, long timeoutNanos,
                            UpstreamListener listener) {
        this.pool = pool;
        this.head = head;
        this.upgrade = upgrade;
        this.isHead = "HEAD".equals(head.method().name());
        this.timeoutNanos = timeoutNanos;
        this.listener = listener;
    }

    /** The upstream this exchange went to, or null before it had a connection. */
    public UpstreamTarget target() {
        return target;
    }

    /** Gets a connection and sends the head; {@link UpstreamListener#upstreamConnected} follows. */
    public void start() {
        state = State.ACQUIRING;
        Promise<UpstreamConnection> p = pool.eventLoop().newPromise();
        acquiring = p;
        p.addListener(acquired);
        pool.acquire(p);
    }

    private void acquired(Future<UpstreamConnection> f) {
        if (state != State.ACQUIRING || f != acquiring) {
            return;
        }
        acquiring = null;
        if (!f.isSuccess()) {
            state = State.ENDED;
            listener.upstreamFailed(UpstreamErrorKind.CONNECT, f.cause());
            return;
        }
        UpstreamConnection c = f.getNow();
        connection = c;
        target = c.target();
        c.attach(this);
        state = State.SENDING;
        Channel up = c.channel();
        up.config().setAutoRead(true);
        if (!head.headers().contains(HttpHeaderNames.HOST)) {
            head.headers().set(HttpHeaderNames.HOST, target.authority());
        }
        // A bodiless request's head waits for its (empty) end before the flush: one write.
        up.write(head, up.voidPromise());
        if (HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0) {
            up.flush();
        }
        armDeadline();
        listener.upstreamConnected();
    }

    /**
     * Sends a piece of the request body (the listener passes ownership). The last piece ends the
     * request. After an abort or failure, the piece is released.
     */
    public void sendContent(HttpContent content) {
        if (state != State.SENDING || connection == null) {
            ReferenceCountUtil.release(content);
            return;
        }
        pushDeadline();
        if (content instanceof LastHttpContent) {
            requestFullyWritten = true;
        }
        Channel up = connection.channel();
        up.writeAndFlush(content, up.voidPromise());
    }

    /** Whether the connection takes more body now; if not, {@link UpstreamListener#upstreamWritable} follows. */
    public boolean isWritable() {
        return connection != null && connection.channel().isWritable();
    }

    /** Stops or resumes reading the response (backpressure from a client that cannot take more). */
    public void readResponse(boolean read) {
        if (connection != null) {
            connection.channel().config().setAutoRead(read);
        }
    }

    /**
     * The client side gives up on the exchange (the client went away, its body was malformed, the
     * proxy shuts down): a connection being opened goes to the pool when it opens, one in use is
     * closed (it is not at a message boundary). Nothing more is said to the listener.
     */
    public void abort() {
        if (state == State.ENDED) {
            return;
        }
        state = State.ENDED;
        deadlineNanos = 0;
        Promise<UpstreamConnection> p = acquiring;
        acquiring = null;
        if (p != null) {
            p.cancel(false);
        }
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Nanoseconds until the response head is overdue at {@code now}, or {@link Long#MAX_VALUE}
     * when the exchange is not waiting for one; at 0 or less, the caller calls {@link #timeOut}.
     */
    public long nanosToDeadline(long now) {
        return deadlineNanos == 0 || state != State.SENDING || responseStarted ? Long.MAX_VALUE : deadlineNanos - now;
    }

    /** The response head did not come in time: the connection is closed and the listener told. */
    public void timeOut() {
        if (state != State.SENDING) {
            return;
        }
        fail(UpstreamErrorKind.TIMEOUT, new IOException("no response head from " + target + " in time"));
    }

    /**
     * Hands the connection over to a byte tunnel once the 101 response ended: the HTTP handlers
     * leave its pipeline and {@code tunnel} (the handler relaying to the client) takes their place.
     *
     * @return the upstream channel (reading off; the caller turns it on)
     */
    public Channel tunnelTo(ChannelHandler tunnel) {
        UpstreamConnection c = connection;
        connection = null;
        state = State.ENDED;
        c.detach();
        Channel up = c.channel();
        ChannelPipeline pipeline = up.pipeline();
        pipeline.addLast("tunnel", tunnel);
        pipeline.remove(c);
        pipeline.remove("http");
        return up;
    }

    private void armDeadline() {
        long deadline = System.nanoTime() + timeoutNanos;
        deadlineNanos = deadline == 0 ? 1 : deadline;
    }

    /**
     * A piece of the request body went upstream: the upstream cannot be expected to answer before
     * it has the body, so the wait for the response head counts from the request's last progress
     * (an upload longer than the timeout is not cut; an upstream that stops reading it still is).
     */
    private void pushDeadline() {
        if (deadlineNanos != 0) {
            armDeadline();
        }
    }

    // ---- from the connection ------------------------------------------------------------------

    void received(Object msg) {
        if (state != State.SENDING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
            Throwable cause = ((HttpObject) msg).decoderResult().cause();
            ReferenceCountUtil.release(msg);
            fail(cause instanceof PrematureChannelClosureException ? UpstreamErrorKind.RESET : UpstreamErrorKind.PROTOCOL,
                    cause);
            return;
        }
        if (msg instanceof HttpResponse) {
            responseHead((HttpResponse) msg);
            if (msg instanceof HttpContent) {
                responseContent((HttpContent) msg);
            }
        } else if (msg instanceof HttpContent) {
            responseContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
            fail(UpstreamErrorKind.PROTOCOL, new IOException("unexpected message from upstream: " + msg.getClass()));
        }
    }

    private void responseHead(HttpResponse response) {
        if (state != State.SENDING) {
            return;
        }
        int code = response.status().code();
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            if (code == 101 && upgrade) {
                switching = true;
                responseStarted = true;
                listener.upstreamHead(response);
            } else {
                // 100 (the proxy sent its own) and other interim answers are not relayed.
                skippingInterim = true;
            }
            return;
        }
        responseStarted = true;
        boolean framed = HttpUtil.isTransferEncodingChunked(response)
                || response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                || isHead || code == 204 || code == 304;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response) && framed;
        listener.upstreamHead(response);
    }

    private void responseContent(HttpContent content) {
        if (state != State.SENDING) {
            ReferenceCountUtil.release(content);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (skippingInterim) {
            ReferenceCountUtil.release(content);
            if (last) {
                skippingInterim = false;
            }
            return;
        }
        if (switching) {
            // The 101 has no body; its end is the moment the connection stops speaking HTTP.
            listener.upstreamContent(content);
            return;
        }
        if (last) {
            state = State.ENDED;
            deadlineNanos = 0;
            UpstreamConnection c = connection;
            connection = null;
            if (requestFullyWritten && upstreamKeepAlive) {
                c.release();
            } else {
                c.close();
            }
        }
        listener.upstreamContent(content);
    }

    void readComplete() {
        if (state == State.SENDING) {
            listener.upstreamReadComplete();
        }
    }

    void writable() {
        if (state == State.SENDING) {
            listener.upstreamWritable();
        }
    }

    /** The connection closed or failed while lent (it already left the pool's books). */
    void closed(Throwable cause) {
        if (state != State.SENDING) {
            return;
        }
        connection = null;
        fail(UpstreamErrorKind.RESET, cause);
    }

    private void fail(UpstreamErrorKind kind, Throwable cause) {
        state = State.ENDED;
        deadlineNanos = 0;
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        pool.metrics().upstreamError(kind);
        listener.upstreamFailed(kind, cause);
    }
}
