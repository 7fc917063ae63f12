package io.pausectl.proxy.upstream;

import io.pausectl.proxy.config.UpstreamReuse;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * scheduling its own. It bounds how long the upstream may stay silent: before the response head
 * (counted from the request's last progress) and, as HAProxy's {@code timeout server}, between two
 * pieces of the response body, except while the proxy itself stopped reading because the client
 * does not take the response as fast (that wait is {@code --client-send-timeout}'s).
 *
 * <p><b>When a request is sent again</b> (the one retry rule): only when the proxy knows the
 * upstream did not act on it, or the request is one it may act on twice. (1) A connect that fails
 * sent nothing: the pool tries the next upstream, then waits for one to come back until the
 * request's deadline (its arrival plus {@code --queue-timeout}), whatever the method. (2) A
 * <em>replayable</em> request, one with an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT,
 * DELETE: RFC 9110 §9.2.2) and no body (the proxy streams bodies and never holds one whole to send
 * again), whose connection closed or was reset before a single byte of a response came back is sent
 * once more, on a fresh connection: on a reused connection the upstream closed it idle as the
 * request arrived (RFC 9112 §9.3.1); on a new one the upstream process died with the connection in
 * its accept queue or unread (an origin restarted during a drain), and the fresh connect waits for
 * it to listen again, as in (1). A request that itself kills its upstream is thus sent twice, never
 * more: the rule RFC 9110 §9.2.2 allows for idempotent methods, as HAProxy's {@code retry-on
 * empty-response} and nginx's {@code proxy_next_upstream error} apply it. Nothing else is ever sent
 * twice.
 *
 * <p><b>Which connection a request goes on</b> ({@code --upstream-reuse}): an origin may close an
 * idle keep-alive connection at any moment (RFC 9112 §9.6: its keep-alive timeout, or a cap on idle
 * connections such as the JDK {@code HttpServer}'s, which closes a connection right after its
 * response), so a pooled connection is never known to be alive until it answers. Under
 * {@link UpstreamReuse#SAFE} (the default) a request that is not replayable goes on a fresh
 * connection, never on a pooled one, so the close it could meet there is not a race but an upstream
 * failure; replayable ones reuse pooled connections and are covered by rule (2). This is HAProxy's
 * {@code http-reuse safe} decided per request rather than per client connection: a request released
 * after a pause is rarely its client's first, and its client cannot replay it for the proxy. Under
 * {@link UpstreamReuse#ALWAYS} every request may reuse, and a POST that meets a closing connection is
 * answered 502.
 *
 * <p>A write that fails (the upstream closed its reading side, as one that answers an upload early
 * with {@code 413} and closes does) ends the request body but not the exchange: the response the
 * upstream already sent is still read and relayed (upstream channels do not close on a write
 * error, {@code AUTO_CLOSE} off).
 *
 * <p>Every method runs on the event loop that the client channel and the upstream connection
 * share. Releases: every response object it is handed goes to the listener or is released.
 */
public final class UpstreamExchange {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamExchange.class);
    static final long FIRST_ACCEPT_POLL_NANOS = 100_000L;
    static final long MAX_ACCEPT_POLL_NANOS = 20_000_000L;
    private enum State { IDLE, ACQUIRING, SENDING, ENDED }

    private final UpstreamConnectionPool pool;
    private final HttpRequest head;
    private final boolean upgrade;
    private final boolean isHead;
    /** An idempotent method without a body: may be sent once more (see the class comment). */
    private final boolean replayable;
    /** The request has a body (chunked or a Content-Length above 0). */
    private final boolean hasBody;
    private final long timeoutNanos;
    private final long connectDeadlineNanos;
    private final UpstreamListener listener;
    /** Made on first use: most requests take an idle connection at once ({@link UpstreamConnectionPool#pollReady}). */
    private FutureListener<UpstreamConnection> acquired;

    private State state = State.IDLE;
    private Promise<UpstreamConnection> acquiring;
    private UpstreamConnection connection;
    private UpstreamTarget target;
    /** The client side handed over the request's last content. */
    private boolean requestEnded;
    /** The last request content went to the connection. */
    private boolean requestFullyWritten;
    /** A write to the upstream failed: no more of the request goes out; the response is still read. */
    private boolean outputBroken;
    /** Something (even a 1xx, even invalid) came back on the connection. */
    private boolean responseSeen;
    /** The request was already sent once more. */
    private boolean retried;
    /** A final response head arrived. */
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    /** The upstream answered 101: the connection becomes a tunnel at the end of that response. */
    private boolean switching;
    /** An interim (1xx) response is being skipped until its end. */
    private boolean skippingInterim;
    /** The client side stopped reading the response (backpressure): the upstream is not late. */
    private boolean responsePaused;
    /** When the upstream's next response byte is due; 0 when not waiting for one. */
    private long deadlineNanos;
    /**
     * The head went out on a new connection and the body waits until the upstream's kernel is seen
     * to hold the connection (see {@link #awaitAccept}).
     */
    private boolean awaitingAccept;
    /** The pause before the next look at whether the head was acknowledged. */
    private long acceptPollNanos;
    /** Made on first use (only a request with a body on a new connection waits for its accept). */
    private Runnable checkAcceptTask;

    /**
     * @param pool         the pool of the client channel's event loop
     * @param head         the request head as it goes upstream (hop-by-hop headers already out)
     * @param upgrade      the client asked for an upgrade, so a {@code 101} ends HTTP on the connection
     * @param timeoutNanos how long the upstream may stay silent ({@code --upstream-timeout}): for its
     *                     response head from the request's last progress, then between two pieces of
     *                     the response body
     * @param connectDeadlineNanos {@link System#nanoTime} after which no more connects are tried
     *                     when every upstream refuses (the request's arrival plus {@code --queue-timeout})
     * @param listener     the client side
     */
    public UpstreamExchange(UpstreamConnectionPool pool, HttpRequest head, boolean upgrade, long timeoutNanos,
                            long connectDeadlineNanos, UpstreamListener listener) {
        this.pool = pool;
        this.head = head;
        this.upgrade = upgrade;
        String method = head.method().name();
        this.isHead = "HEAD".equals(method);
        this.hasBody = HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
        this.replayable = ("GET".equals(method) || isHead || isOtherIdempotent(method)) && !hasBody;
        this.timeoutNanos = timeoutNanos;
        this.connectDeadlineNanos = connectDeadlineNanos;
        this.listener = listener;
    }

    /** The idempotent methods of RFC 9110 §9.2.2 other than GET and HEAD. */
    private static boolean isOtherIdempotent(String method) {
        return "OPTIONS".equals(method) || "TRACE".equals(method) || "PUT".equals(method) || "DELETE".equals(method);
    }

    /** The upstream this exchange went to, or null before it had a connection. */
    public UpstreamTarget target() {
        return target;
    }

    /** Gets a connection and sends the head; {@link UpstreamListener#upstreamConnected} follows. */
    public void start() {
        // Not replayable: a pooled connection the origin may be closing is no place for it.
        boolean fresh = !replayable && pool.reuse() == UpstreamReuse.SAFE;
        if (!fresh) {
            // What acquire would hand over at once, without a promise and its listener.
            UpstreamConnection ready = pool.pollReady();
            if (ready != null) {
                state = State.ACQUIRING;
                use(ready);
                return;
            }
        }
        state = State.ACQUIRING;
        Promise<UpstreamConnection> p = pool.eventLoop().newPromise();
        acquiring = p;
        p.addListener(acquiredListener());
        pool.acquire(p, fresh, connectDeadlineNanos);
    }

    private FutureListener<UpstreamConnection> acquiredListener() {
        FutureListener<UpstreamConnection> l = acquired;
        if (l == null) {
            l = this::acquired;
            acquired = l;
        }
        return l;
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
        use(f.getNow());
    }

    /** The exchange has its connection: the head goes out. */
    private void use(UpstreamConnection c) {
        connection = c;
        target = c.target();
        responseSeen = false;
        c.attach(this);
        state = State.SENDING;
        Channel up = c.channel();
        up.config().setAutoRead(true);
        if (!head.headers().contains(HttpHeaderNames.HOST)) {
            head.headers().set(HttpHeaderNames.HOST, target.authority());
        }
        armDeadline();
        // A bodiless request may come whole (head and end in one message): it is all written here.
        boolean whole = head instanceof LastHttpContent;
        if (whole) {
            requestEnded = true;
            requestFullyWritten = true;
        }
        if (retried) {
            // Sent once more: a replayable request has no body, so its end is empty.
            up.write(head, up.voidPromise());
            if (requestEnded && !whole) {
                requestFullyWritten = true;
                up.write(LastHttpContent.EMPTY_LAST_CONTENT, up.voidPromise());
            }
            up.flush();
            return;
        }
        if (hasBody && c.exchanges == 0 && c.canProveAccept()) {
            awaitAccept(up);
            return;
        }
        // A bodiless request's head waits for its (empty) end before the flush: one write. The
        // flush waits for the end of the loop's pass, with the other requests read in it.
        up.write(head, up.voidPromise());
        if (!replayable || whole) {
            pool.flushLater(up);
        }
        listener.upstreamConnected();
    }

    /**
     * Sends the head of a request with a body on a new connection, and the rest of the request only
     * once the upstream's kernel is seen to hold the connection. A new connection may exist only on
     * the proxy's side: while an upstream's accept queue is full (a small listen queue, a slow
     * accepting thread, a burst of released requests) Linux drops the handshake's last ACK and what
     * follows it, and once SYN cookies are in use it keeps no state for the connection at all, so
     * any segment but the first one sent is answered with a reset: a head and body sent together
     * were reset, and the request with them (a request with a body is never sent twice). So only the
     * head's first byte goes out ({@link AcceptGate}): dropped, TCP sends it again until the queue
     * has room, and no origin can act on it. Once the upstream's kernel acknowledged it
     * ({@link UpstreamConnection#acceptedByPeer}: the connection is in its accept queue or accepted,
     * where no full queue can drop it) the rest of the head goes, and the client side is asked for
     * the body ({@link UpstreamListener#upstreamConnected}). This costs a round trip on a new
     * connection only, for a request with a body only (on loopback the acknowledgement is usually
     * back before the write returns). On the NIO transport, which cannot read {@code TCP_INFO}, it
     * does not happen: the request goes at once, and only the pacing ({@link ConnectionPacer})
     * protects it.
     */
    private void awaitAccept(Channel up) {
        awaitingAccept = true;
        acceptPollNanos = 0;
        up.pipeline().addFirst(AcceptGate.NAME, new AcceptGate(this::checkAccepted));
        up.writeAndFlush(head, up.voidPromise());
    }

    /**
     * Looks whether the head's first byte was acknowledged; looks again later (100 µs, doubling to
     * 20 ms) until the response deadline, which then ends the exchange (504): the client side's
     * response timer runs only once the body is asked for.
     */
    private void checkAccepted() {
        if (state != State.SENDING || !awaitingAccept || connection == null) {
            return;
        }
        if (connection.acceptedByPeer()) {
            accepted();
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            timeOut();
            return;
        }
        acceptPollNanos = acceptPollNanos == 0 ? FIRST_ACCEPT_POLL_NANOS
                : Math.min(MAX_ACCEPT_POLL_NANOS, acceptPollNanos * 2);
        if (checkAcceptTask == null) {
            checkAcceptTask = this::checkAccepted;
        }
        pool.eventLoop().schedule(checkAcceptTask, acceptPollNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The upstream holds the connection (or answered): the rest of the head goes, and the body is asked for. */
    private void accepted() {
        awaitingAccept = false;
        connection.acceptProven();
        ChannelHandlerContext gate = connection.channel().pipeline().context(AcceptGate.NAME);
        if (gate != null) {
            ((AcceptGate) gate.handler()).open(gate);
        }
        listener.upstreamConnected();
    }

    /**
     * Sends a piece of the request body (the listener passes ownership). The last piece ends the
     * request. After an abort or failure, the piece is released.
     */
    public void sendContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestEnded = true;
        }
        if (state != State.SENDING || connection == null || outputBroken) {
            // Also the (empty) end of a replayable request during its retry's connect: the retry
            // writes an empty end itself.
            ReferenceCountUtil.release(content);
            return;
        }
        pushDeadline();
        if (last) {
            requestFullyWritten = true;
        }
        Channel up = connection.channel();
        up.writeAndFlush(content, up.voidPromise());
    }

    /** Whether the connection takes more body now; if not, {@link UpstreamListener#upstreamWritable} follows. */
    public boolean isWritable() {
        return connection != null && !outputBroken && connection.channel().isWritable();
    }

    /**
     * Stops or resumes reading the response (backpressure from a client that cannot take more).
     * While stopped the upstream cannot be late; on resume it has a whole {@code --upstream-timeout}
     * again, and the caller makes sure its timer runs ({@link #nanosToDeadline}).
     */
    public void readResponse(boolean read) {
        if (connection != null) {
            connection.channel().config().setAutoRead(read);
            responsePaused = !read;
            if (read) {
                pushDeadline();
            }
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
     * Nanoseconds until the upstream is overdue at {@code now} (its response head, or the next piece
     * of a response body that has begun), or {@link Long#MAX_VALUE} when the exchange is not waiting
     * for the upstream; at 0 or less, the caller calls {@link #timeOut}.
     */
    public long nanosToDeadline(long now) {
        if (state == State.ACQUIRING && retried) {
            // Between a closed connection and the fresh one for the retry: look again later.
            return timeoutNanos;
        }
        return deadlineNanos == 0 || state != State.SENDING || responsePaused || switching
                ? Long.MAX_VALUE : deadlineNanos - now;
    }

    /**
     * The upstream stayed silent too long: the connection is closed and the listener told
     * ({@link UpstreamErrorKind#TIMEOUT}; after the response head began, the client side cuts the
     * response rather than answering 504).
     */
    public void timeOut() {
        if (state != State.SENDING) {
            return;
        }
        fail(UpstreamErrorKind.TIMEOUT, new IOException(responseStarted
                ? "the response body from " + target + " stalled" : "no response head from " + target + " in time"));
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
        pipeline.remove(UpstreamChannelInitializer.CODEC);
        return up;
    }

    private void armDeadline() {
        long deadline = System.nanoTime() + timeoutNanos;
        deadlineNanos = deadline == 0 ? 1 : deadline;
    }

    /**
     * Progress: a piece of the request body went upstream (the upstream cannot be expected to answer
     * before it has the body, so an upload longer than the timeout is not cut; an upstream that stops
     * reading it still is), a piece of the response came back, or reading it resumed.
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
        responseSeen = true;
        if (awaitingAccept) {
            // An answer before the body (an early 413): the upstream has the connection.
            accepted();
            if (state != State.SENDING) {
                ReferenceCountUtil.release(msg);
                return;
            }
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
            if (code == 101) {
                if (!upgrade) {
                    // RFC 9110 §15.2.2: a server must not switch to a protocol the request did not
                    // offer; past a 101 the connection no longer speaks HTTP, so no final answer follows.
                    fail(UpstreamErrorKind.PROTOCOL, new IOException("upstream " + target
                            + " switched protocols (101) for a request that asked for no upgrade"));
                    return;
                }
                switching = true;
                responseStarted = true;
                listener.upstreamHead(response);
                return;
            }
            // Its (empty) end follows and is dropped here.
            skippingInterim = true;
            if (code != 100) {
                // 100 is not relayed: the proxy answers Expect itself and never sends it upstream.
                listener.upstreamInterim(response);
            }
            return;
        }
        String te = response.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null && !"chunked".equalsIgnoreCase(te.trim())) {
            // As on the client side: only chunked alone is framing the proxy passes on (RFC 9112 §6.1, §6.3).
            fail(UpstreamErrorKind.PROTOCOL, new IOException("upstream " + target + " sent Transfer-Encoding: " + te));
            return;
        }
        responseStarted = true;
        pushDeadline();
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
        if (!last) {
            pushDeadline();
        } else {
            state = State.ENDED;
            deadlineNanos = 0;
            UpstreamConnection c = connection;
            connection = null;
            if (requestFullyWritten && upstreamKeepAlive && !outputBroken) {
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
        if (state == State.SENDING && !outputBroken) {
            listener.upstreamWritable();
        }
    }

    /**
     * A write to the upstream failed and its output is shut: the request cannot be completed, but
     * the upstream may have answered already (an early {@code 413}). Reading goes on; the client
     * side is not asked for more body.
     */
    void outputFailed(Throwable cause) {
        if (state == State.SENDING && !outputBroken) {
            LOG.debug("writing {} {} to {} failed ({}); reading what it answered", head.method(), head.uri(), target,
                    String.valueOf(cause));
            outputBroken = true;
            if (connection != null) {
                connection.channel().config().setAutoRead(true);
            }
        }
    }

    /** The connection closed or failed while lent (it already left the pool's books). */
    void closed(Throwable cause) {
        if (state != State.SENDING) {
            return;
        }
        connection = null;
        if (replayable && !responseSeen && !retried) {
            // The upstream closed an idle connection as the request arrived, or died before reading
            // or answering it: send it once more, on a fresh connection (see the class comment).
            LOG.debug("{} {} met {} closing before any answer; sending it once more", head.method(), head.uri(),
                    target);
            retried = true;
            requestFullyWritten = false;
            deadlineNanos = 0;
            pool.metrics().upstreamError(UpstreamErrorKind.RESET);
            state = State.ACQUIRING;
            Promise<UpstreamConnection> p = pool.eventLoop().newPromise();
            acquiring = p;
            p.addListener(acquiredListener());
            pool.acquire(p, true, connectDeadlineNanos);
            return;
        }
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
