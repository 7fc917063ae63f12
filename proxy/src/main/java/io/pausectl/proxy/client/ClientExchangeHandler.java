package io.pausectl.proxy.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pausectl.common.Durations;
import io.pausectl.proxy.gate.Admission;
import io.pausectl.proxy.gate.MaintenanceNotice;
import io.pausectl.proxy.gate.PauseGate;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.server.TcpInfoReader;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.ForwardedHeaders;
import io.pausectl.proxy.http.RelayedHeads;
import io.pausectl.proxy.http.HopByHopHeaders;
import io.pausectl.proxy.http.ReceivedHead;
import io.pausectl.proxy.http.TunnelHandler;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.metrics.ProxyMetrics.UpstreamErrorKind;
import io.pausectl.proxy.upstream.UpstreamConnectionPool;
import io.pausectl.proxy.upstream.UpstreamExchange;
import io.pausectl.proxy.upstream.UpstreamListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a client connection: runs its exchanges one at a time, in order.
 *
 * <p>The channel does not read by itself (auto-read off, with {@code FlowControlHandler} in front,
 * so one {@code read()} hands over one HTTP object). A request head goes to the pause gate; once
 * forwarded, the head goes to the exchange's upstream half ({@link UpstreamExchange}, which gets a
 * connection from this event loop's pool and owns it), and the body is read one piece per
 * {@code read()}, the next piece only while the upstream can take it. This handler is the client
 * side only: it never touches an upstream channel. The response is relayed as it arrives, and reading the upstream stops while the client
 * cannot take more. Only when the response is complete is the next request read, so pipelined
 * requests are answered in order, and a held request keeps the ones behind it (and its own body)
 * unread in the socket.
 *
 * <p>Releases: every {@code HttpContent} it is handed is forwarded or released; the request head
 * is not reference-counted.
 */
public final class ClientExchangeHandler extends ChannelInboundHandlerAdapter implements UpstreamListener {
    private static final Logger LOG = LoggerFactory.getLogger(ClientExchangeHandler.class);

    /** Where the connection is between and within exchanges. */
    enum State {
        /** Waiting for the next request head (a read is pending). */
        AWAITING_HEAD,
        /** The gate holds the current request; nothing is read. */
        HELD,
        /** Waiting for an upstream connection. */
        CONNECTING,
        /** The request goes upstream and the response comes back. */
        FORWARDING,
        /** A local response was written; swallowing the empty end of a bodiless request. */
        DISCARDING,
        /** The connection is closing; anything read is dropped. */
        CLOSING
    }

    /**
     * Tells client connection {@code ch} that the proxy shuts down (on its event loop): an exchange
     * in progress finishes, then the connection closes; one waiting for a request closes at once.
     * (Not "drain", which is the pause gate's release of held requests.) {@code settled} is
     * completed once the connection has no exchange left that a graceful stop waits for: it closed,
     * or it is, or became, a tunnel. A tunnel has no end the proxy could wait for (a WebSocket may
     * stay open for hours), so the stop does not wait on it; the server closes tunnels once the
     * ordinary exchanges are done ({@code ProxyServer.shutdown}).
     */
    public static void shutdown(Channel ch, Promise<Void> settled) {
        ch.closeFuture().addListener(f -> settled.trySuccess(null));
        ClientExchangeHandler handler = ch.pipeline().get(ClientExchangeHandler.class);
        if (handler == null) {
            // Only a tunnel's pipeline has none (switchToTunnel).
            settled.trySuccess(null);
        } else {
            handler.shutdown(settled);
        }
    }

    private final ClientContext context;
    private final PauseGate gate;
    private final ProxyMetrics metrics;
    /** The proxy's timeouts and flags, one object for every connection (a held one keeps this handler). */
    private final ClientSettings settings;
    private ChannelHandlerContext ctx;
    private UpstreamConnectionPool pool;
    /** The client connection's codec (null in tests that run this handler alone). */
    private ClientHttpCodec codec;
    /**
     * The codec's context: a {@code read()} asked of it goes to the socket past the flow control,
     * which queues what it brings until this handler asks (null in tests that run this handler alone).
     */
    private ChannelHandlerContext socketReadCtx;
    /** Messages this handler was handed (the codec counts those it handed on: the difference waits). */
    private long messagesTaken;
    private String clientIp;
    /** The client's port, for {@link #clientAddress()}; -1 when the peer is not an IP socket. */
    private int clientPort = -1;
    private State state = State.AWAITING_HEAD;
    private ClientExchange exchange;
    private boolean shuttingDown;
    /** Completed when the connection becomes a tunnel while the proxy shuts down (see {@link #shutdown(Channel, Promise)}). */
    private Promise<Void> shutdownSettled;
    /** A read was asked of the pipeline and no message answered it yet. */
    private boolean readPending;
    /**
     * The next request is to be read once the client takes what was written to it: the client's
     * socket stopped being writable as an answer was completed (see {@link #readNextRequest}).
     */
    private boolean readOwed;
    /**
     * The client shut its output down (end of stream; the channel allows half-closure). What it sent
     * before is still handed over in order; once a read finds nothing left, no more will come.
     */
    private boolean inputShutdown;
    /** When the connection last started waiting for a request head (for the idle timeout). */
    private long awaitingSinceNanos;
    /** The one timer checking the upstream exchange's response deadline, re-armed lazily; null when none. */
    private ScheduledFuture<?> responseTimer;
    /** Made on the first use: a connection whose first request is held has no response to time yet. */
    private Runnable responseTimerTask;
    /** The one timer checking the client idle timeout, re-armed lazily; null when none. */
    private ScheduledFuture<?> idleTimer;
    private final Runnable idleTimerTask = this::checkIdle;
    /** When the request head being read began arriving ({@link ClientHttpCodec#HEAD_STARTED}); 0 when none. */
    private long headStartedNanos;
    /** The timer checking the header timeout, armed by a partial head only; null when none. */
    private ScheduledFuture<?> headTimer;
    /** Made on the first use (only a head that arrives in pieces arms the timer). */
    private Runnable headTimerTask;
    /** Something was written to the client and not flushed yet. */
    private boolean clientFlushPending;
    /**
     * The current answer's parts that the upstream side handed on in the read under way, not yet
     * written to the client: its head and what came after it in the same read (null or empty once
     * written, at the read's end). While nothing of an answer was written, a failure (a trailer or
     * chunk refused in the read that brought the whole answer) can still be answered 502 in full
     * instead of cutting a response the client never saw begin.
     */
    private ArrayList<HttpObject> unsent;
    /** The body bytes in {@link #unsent}. */
    private long unsentBytes;
    /** The one timer watching a client that does not take what is written to it; null when none. */
    private ScheduledFuture<?> sendTimer;
    /** Made on the first use (only a client that stops taking what is written arms the timer). */
    private Runnable sendTimerTask;
    /** What the client took since the send timer's last look; made on the first use, as the timer. */
    private ClientSendProgress sendProgress;

    public ClientExchangeHandler(ClientContext context) {
        this.context = context;
        this.gate = context.gate();
        this.metrics = context.metrics();
        this.settings = context.settings();
    }

    State state() {
        return state;
    }

    private Runnable responseTimerTask() {
        Runnable task = responseTimerTask;
        if (task == null) {
            responseTimerTask = task = this::checkResponseDeadline;
        }
        return task;
    }

    private Runnable headTimerTask() {
        Runnable task = headTimerTask;
        if (task == null) {
            headTimerTask = task = this::checkHead;
        }
        return task;
    }

    private Runnable sendTimerTask() {
        Runnable task = sendTimerTask;
        if (task == null) {
            sendTimerTask = task = this::checkSend;
        }
        return task;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pool = context.pools().forLoop(ctx.channel().eventLoop());
        this.codec = ctx.pipeline().get(ClientHttpCodec.class);
        this.socketReadCtx = ctx.pipeline().context(ClientPipeline.HTTP);
        SocketAddress remote = ctx.channel().remoteAddress();
        clientIp = AccessLog.clientIp(remote);
        if (remote instanceof InetSocketAddress) {
            clientPort = ((InetSocketAddress) remote).getPort();
        }
    }

    /**
     * The client's {@code ip:port} (or its address alone when not an IP socket), for the list of
     * held requests. Made when asked, not kept: every connection would keep it while only the
     * operator's {@code GET /v1/held} reads it. Safe from the gate's executor: both fields are set
     * in {@link #handlerAdded}, before the first request reaches the gate.
     */
    String clientAddress() {
        return clientPort < 0 ? clientIp : clientIp + ":" + clientPort;
    }

    /**
     * The client side's keep-alive rule, whatever the answer: the connection closes after it when
     * the client asked so (RFC 9112 §9.3), the proxy is shutting down, the request's body was not
     * read to its end (the next bytes would not be a request head), or the request offered an
     * upgrade and the answer is not a 101. Past an upgrade request the client may already speak
     * the protocol it asked for (RFC 9110 §7.8: it starts right after the request), so what it sent
     * next cannot be told from pipelined HTTP; read as requests, a line protocol's or a frame's
     * bytes could reach the origin as a request the client never made. The codec kept them unparsed
     * ({@link ClientHttpCodec#offersUpgrade}), and they are dropped with the connection; a client
     * that did pipeline a request retries it on a new one (RFC 9112 §9.3.2).
     */
    private boolean clientMustClose(ClientExchange ex) {
        return !ex.clientKeepAlive || shuttingDown || (ex.hasBody && !ex.requestFullyRead) || ex.upgrade;
    }

    /** {@code Server-Timing: pause;dur=<ms>} on the answer to a request that was held (and only then). */
    private static void addPauseTiming(HttpHeaders headers, ClientExchange ex) {
        if (ex.heldNanos >= 0) {
            headers.add(RelayedHeads.SERVER_TIMING, pauseTiming(ex));
        }
    }

    private static String pauseTiming(ClientExchange ex) {
        return "pause;dur=" + TimeUnit.NANOSECONDS.toMillis(ex.heldNanos);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitingRequest();
        requestRead();
        ctx.fireChannelActive();
    }

    /**
     * Asks for the next HTTP object, never more than one at a time: {@code FlowControlHandler}
     * counts reads, and a second outstanding one would hand over a message nobody asked for (the
     * body of a held request, say).
     */
    private void requestRead() {
        if (!readPending) {
            readPending = true;
            ctx.read();
            if (inputShutdown && readPending) {
                clientInputEnded();
            }
        }
    }

    /**
     * Reads the next request once an answer is complete, unless the client is not taking its
     * answers: then the read waits until the client's socket is writable again
     * ({@link #channelWritabilityChanged}). Backpressure toward the client (STYLE pitfall 9): a
     * client that pipelines requests and reads nothing gets at most the socket's buffers and one
     * high-water mark of answers queued for it; its further requests wait unread in the socket, as
     * with nginx and HAProxy. Without this, every whole answer a small response makes was queued,
     * one per pipelined request, until the direct memory ran out for every connection.
     */
    private void readNextRequest() {
        if (ctx.channel().isWritable()) {
            requestRead();
        } else {
            readOwed = true;
        }
    }

    /**
     * A read found nothing after the client's end of stream: nothing more will ever come. Between
     * requests, the connection closes once what was written is flushed (a half-closed client still
     * reads its answers); in the middle of a request body, the request can never be completed.
     */
    private void clientInputEnded() {
        switch (state) {
            case AWAITING_HEAD:
            case DISCARDING:
                state = State.CLOSING;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                break;
            case CONNECTING:
            case FORWARDING:
                failExchange(exchange, 0);
                closeClient();
                break;
            default:
                break;
        }
    }

    /**
     * A read cycle ended. If it brought nothing for the outstanding read (the socket had only
     * part of a message), {@code FlowControlHandler} counts that read as spent: ask again.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readPending) {
            readPending = false;
            requestRead();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPending = false;
        messagesTaken++;
        if (msg instanceof HttpRequest) {
            requestHead((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            requestContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---- client side --------------------------------------------------------------------------

    private void requestHead(HttpRequest request) {
        headStartedNanos = 0;
        if (state == State.CLOSING) {
            // A pipelined head decoded before the answer that closes this connection: never
            // served, and the connection is already closing (lingering, maybe).
            ReferenceCountUtil.release(request);
            return;
        }
        if (state != State.AWAITING_HEAD) {
            // Cannot happen while only one read is outstanding; refuse to guess.
            ReferenceCountUtil.release(request);
            LOG.warn("{}: request head in state {}, closing", ctx.channel(), state);
            closeClient();
            return;
        }
        HttpHeaders headers = request.headers();
        if (!request.uri().startsWith("/")) {
            toOriginForm(request);
            ReceivedHead.forget(request);
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        boolean hasBody = chunked || HttpUtil.getContentLength(request, 0L) > 0;
        boolean http11 = request.protocolVersion().minorVersion() == 1;
        boolean expectContinue = http11 && hasBody && headers.contains(HttpHeaderNames.EXPECT);
        // The codec's rule (HTTP/1.1, no chunked body), which stopped parsing past such a request.
        // Not offered, Upgrade is hop-by-hop and removed, and the request is an ordinary exchange
        // (a server may always decline to switch).
        boolean upgrade = ClientHttpCodec.offersUpgrade(request);
        int wireBytes = ClientHttpCodec.headSize(request);
        // Measured before prepareUpstreamHead changes the headers, and before the rest of this
        // socket read (the body's start) is parsed: it is still in the decoder's buffer.
        int unparsed = codec == null ? 0 : codec.unparsedBytes();
        if (codec != null && codec.messagesWaiting(messagesTaken) > 0) {
            // Requests parsed behind this one wait in the flow control, holding the socket read
            // they came in (the decoder may have let go of it already): at most one read.
            unparsed = Math.max(unparsed, HeldFootprint.ONE_READ_BYTES);
        }
        int headBytes = HeldFootprint.of(request, wireBytes, unparsed);
        ClientExchange ex = new ClientExchange(this, ctx.channel().eventLoop(), request, pathOf(request.uri()),
                hostOf(headers instanceof CompactHttpHeaders compact ? compact.getText(HttpHeaderNames.HOST)
                        : headers.get(HttpHeaderNames.HOST)), headBytes, System.nanoTime(), HttpUtil.isKeepAlive(request),
                hasBody, expectContinue, upgrade);
        exchange = ex;
        // A bodiless request comes whole from the codec: nothing more is read for it.
        ex.requestFullyRead = request instanceof LastHttpContent;
        Admission admission = gate.enter(ex);
        switch (admission) {
            case FORWARD:
                ex.forwarded = true;
                forward(ex);
                break;
            case HELD:
                state = State.HELD;
                // No idle timer while held (the gate's queue timeout bounds the wait): it comes
                // back when the connection waits for its next request. The client is watched.
                cancelIdleTimer();
                if (inputShutdown) {
                    // The client ended its side before this request was held (it came pipelined
                    // behind one in flight): as if it had ended it while held.
                    heldClientEnded();
                } else {
                    watchHeldClient();
                }
                break;
            case MAINTENANCE:
                respondMaintenance(ex, false);
                break;
            default:
                respondLocal(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, GateAnswers.rejected(shuttingDown), false,
                        LocalResponses.RETRY_AFTER_SECONDS);
        }
    }

    /**
     * Turns the client's head into the upstream's, in place: hop-by-hop out, forwarding in. Done
     * when the request is forwarded, not when it arrives: a held request keeps only what the
     * client sent.
     */
    private void prepareUpstreamHead(ClientExchange ex) {
        if (relayRequestHead(ex)) {
            return;
        }
        HttpRequest request = ex.request;
        HttpHeaders headers = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        HttpVersion received = request.protocolVersion();
        String upgradeProtocol = ex.upgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
        HopByHopHeaders.strip(headers);
        // The proxy answers Expect itself (see forward), so the upstream never waits for a 100.
        headers.remove(HttpHeaderNames.EXPECT);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (upgradeProtocol != null) {
            headers.set(HttpHeaderNames.UPGRADE, upgradeProtocol);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        ForwardedHeaders.addToRequest(headers, clientIp, received);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /**
     * The upstream head {@link #prepareUpstreamHead} makes, made on the received bytes instead
     * ({@link RelayedHeads#request}): the same fields removed and set, every other line as the client
     * sent it, and the parsed head left as it came (it still decides the body's framing, which the
     * edit does not change). For an HTTP/1.1 request in origin form whose head came in one read;
     * false (nothing done) otherwise.
     */
    private boolean relayRequestHead(ClientExchange ex) {
        byte[] outgoing = RelayedHeads.request(ex.request, ex.upgrade, clientIp);
        if (outgoing == null) {
            return false;
        }
        ((ReceivedHead) ex.request).outgoing(outgoing);
        return true;
    }

    private void requestContent(HttpContent content) {
        ClientExchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            // A broken chunk: the request cannot be completed; the upstream must not reuse it.
            ReferenceCountUtil.release(content);
            if (ex != null && state == State.FORWARDING && takeBackUnsent(ex)) {
                abortUpstream(ex);
                respondLocal(ex, HttpResponseStatus.BAD_REQUEST, "malformed request body", true, null);
            } else {
                failExchange(ex, HttpResponseStatus.BAD_REQUEST.code());
                closeClient();
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        switch (state) {
            case FORWARDING:
                if (last) {
                    ex.requestFullyRead = true;
                    ex.upstream.sendContent(content);
                    readAheadWhileForwarding(ex);
                } else {
                    UpstreamExchange up = ex.upstream;
                    up.sendContent(content);
                    if (up.isWritable()) {
                        requestRead();
                    } else {
                        ex.waitingUpstreamWritable = true;
                    }
                }
                break;
            case DISCARDING:
                ReferenceCountUtil.release(content);
                if (last) {
                    state = State.AWAITING_HEAD;
                    awaitingRequest();
                    readNextRequest();
                } else {
                    closeClient();
                }
                break;
            default:
                ReferenceCountUtil.release(content);
                if (last && ex != null) {
                    ex.requestFullyRead = true;
                }
        }
    }

    /**
     * Whether held {@code ex} is not to be forwarded as the gate is about to release it (on this
     * event loop): its client is gone, as the connection closing says (a read error closes it before
     * channelInactive tells the gate), or the exchange already ended here, so nothing would forward
     * it or tell the gate it ended. Asks the kernel nothing: {@link #watchHeldClient} did, when the
     * request was held and at each read since.
     */
    boolean goneAtRelease(ClientExchange ex) {
        return ex != exchange || ex.done || state != State.HELD || !ctx.channel().isActive();
    }

    /** The gate found held {@code ex}'s client gone at its release: never forwarded, the connection closes. */
    void closeGone(ClientExchange ex) {
        if (ex != exchange || ex.done) {
            return;
        }
        finish(ex, 0);
        ctx.close();
    }

    /**
     * The gate released held {@code ex} (on this event loop), right after {@link #goneAtRelease}
     * said no: it is this connection's exchange, not ended, and its client is there.
     */
    void released(ClientExchange ex, long heldNanos) {
        if (codec != null) {
            codec.watchSocketReads(false);
        }
        ex.forwarded = true;
        ex.heldNanos = heldNanos;
        forward(ex);
    }

    /**
     * Makes sure the client of the request just held is there, now and for as long as it is held,
     * so that its release need not ask (a system call per release was 9–12 % of the event loops'
     * work in a drain: bench/RESULTS.md, session 15). A held connection is not read, so a client's
     * end or reset can hide behind request bytes the hold left unread (a body, a request sent behind
     * this one), and behind none when it came with the head: the read that brought the head stopped
     * short of it. Two looks cover every order:
     * <ul>
     *   <li>now: an end or reset that arrived before the request was held is in the kernel's
     *       {@code TCP_INFO} state ({@link #checkHeldClient});</li>
     *   <li>at each socket read while held ({@link #heldConnectionRead}): one that arrives later makes
     *       the transport read the connection whatever the auto-read setting (Netty's io_uring reads on
     *       {@code POLLRDHUP}, epoll on {@code EPOLLRDHUP}, both armed until the first end or reset
     *       arrives); with nothing unread the read meets the end or the reset itself, which the codec
     *       and {@link #channelInactive} handle; with bytes unread it brings them, and the kernel's
     *       state is asked again.</li>
     * </ul>
     * Without the first look a request whose client sent it and reset at once was forwarded (173 of
     * 200 on io_uring, session 16); without a look at all, every held request whose client reset
     * behind unread bytes (session 14). Never looks on NIO, which cannot read {@code TCP_INFO}.
     */
    private void watchHeldClient() {
        if (codec == null || !TcpInfoReader.canRead(ctx.channel())) {
            return;
        }
        codec.watchSocketReads(true);
        checkHeldClient();
    }

    /**
     * The codec read from the connection while its request was held ({@link ClientHttpCodec#READ_WHILE_WATCHED}):
     * see {@link #watchHeldClient}.
     */
    private void heldConnectionRead() {
        if (state != State.HELD) {
            codec.watchSocketReads(false);
            return;
        }
        checkHeldClient();
    }

    /**
     * Ends the hold now if the client's kernel no longer has the connection established: a client
     * that ended its side ({@code CLOSE_WAIT}, its end of stream not read yet) as if the end had been
     * read ({@link #heldClientEnded}: 503, {@code client_gone}); any other state (a reset:
     * {@code CLOSE}) closes the connection, and {@link #channelInactive} drops the request from the
     * queue ({@code client_gone}). Either way it is never forwarded.
     */
    private void checkHeldClient() {
        int tcpState = TcpInfoReader.state(ctx.channel());
        if (tcpState < 0 || tcpState == TcpInfoReader.TCP_ESTABLISHED) {
            return;
        }
        if (tcpState == TcpInfoReader.TCP_CLOSE_WAIT) {
            heldClientEnded();
        } else {
            closeClient();
        }
    }

    /** The gate refused a held request (on this event loop): 503, and the connection closes. */
    void refused(ClientExchange ex, Refusal why) {
        if (ex != exchange || state != State.HELD) {
            return;
        }
        switch (why) {
            case MAINTENANCE:
                respondMaintenance(ex, true);
                break;
            default:
                respondLocal(ex, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        GateAnswers.refused(why, Duration.ofNanos(settings.queueTimeoutNanos)), true,
                        LocalResponses.RETRY_AFTER_SECONDS);
        }
    }

    /**
     * Maintenance mode's answer: 503 with the operator's message and Retry-After; never forwarded.
     * The connection stays open unless the request's body is unread (or it was held).
     */
    private void respondMaintenance(ClientExchange ex, boolean forceClose) {
        MaintenanceNotice notice = ex.maintenanceNotice();
        respondLocal(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, notice.message(), forceClose,
                notice.retryAfterSeconds());
    }

    // ---- upstream side ------------------------------------------------------------------------

    private void forward(ClientExchange ex) {
        prepareUpstreamHead(ex);
        state = State.CONNECTING;
        readAheadWhileForwarding(ex);
        // A refused connect sent nothing: it may wait for an upstream to come back as long as the
        // request could have been held (its arrival plus --queue-timeout).
        long connectDeadline = ex.startNanos + settings.queueTimeoutNanos;
        UpstreamExchange up = new UpstreamExchange(pool, ex.request, ex.upgrade, settings.upstreamTimeoutNanos,
                connectDeadline, this);
        ex.upstream = up;
        up.start();
    }

    @Override
    public void upstreamConnected() {
        ClientExchange ex = exchange;
        if (ex == null || state != State.CONNECTING) {
            return;
        }
        ex.target = ex.upstream.target();
        state = State.FORWARDING;
        armResponseTimer();
        if (ex.expectContinue) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
        if (!ex.requestFullyRead) {
            // The body (or the empty end) follows; a whole request has nothing more to read until
            // its response is complete.
            requestRead();
        }
    }

    /**
     * Keeps the client socket's read interest on while a whole request is away upstream, when
     * nothing read from the socket waits. Without it the interest is cleared once a request has
     * been read and set again once its response is complete: two {@code epoll_ctl} calls per
     * request that HAProxy does not make. The read goes to the socket past the flow control, which
     * queues what it brings until this handler asks for the next message.
     *
     * <p>Bounded: only when the flow control's queue is empty and the codec holds no unparsed
     * byte ({@link ClientHttpCodec#nothingWaiting}), so a connection never has more than one
     * socket read waiting, however fast its client pipelines (a read-ahead asked for each
     * forwarded request whatever waited, 95a4058, grew by a read per request; reverted in a40cea1).
     * What that read brings is what a held request behind it keeps, as without the read-ahead:
     * its head is parsed from it, so {@link HeldFootprint} counts it in the decoder's buffer. Not
     * for a request that may become a tunnel (the codec must not parse what follows a 101) or whose
     * connection closes after it.
     */
    private void readAheadWhileForwarding(ClientExchange ex) {
        if (socketReadCtx != null && codec != null && ex.requestFullyRead && !ex.upgrade && !inputShutdown
                && !clientMustClose(ex) && codec.nothingWaiting(messagesTaken)) {
            socketReadCtx.read();
        }
    }

    /**
     * Parsed messages of this connection not handed to this handler yet (they wait in the flow
     * control's queue): at most those of one socket read. Call on the channel's event loop.
     */
    public long messagesWaiting() {
        return codec == null ? 0 : codec.messagesWaiting(messagesTaken);
    }

    /**
     * Makes sure the connection's one response timer runs. Rather than a timer per request (an
     * allocation and a scheduled-queue insert and removal each time), the connection keeps one
     * timer that asks the current upstream exchange how long it has left when it fires, and
     * re-arms itself for that.
     */
    private void armResponseTimer() {
        if (responseTimer == null) {
            responseTimer = ctx.channel().eventLoop().schedule(responseTimerTask(), settings.upstreamTimeoutNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void checkResponseDeadline() {
        responseTimer = null;
        ClientExchange ex = exchange;
        if (ex == null || ex.upstream == null || state != State.FORWARDING) {
            return;
        }
        long left = ex.upstream.nanosToDeadline(System.nanoTime());
        if (left == Long.MAX_VALUE) {
            return;
        }
        if (left > 0) {
            responseTimer = ctx.channel().eventLoop().schedule(responseTimerTask(), left, TimeUnit.NANOSECONDS);
            return;
        }
        ex.upstream.timeOut();
    }

    @Override
    public void upstreamInterim(HttpResponse interim) {
        ClientExchange ex = exchange;
        // An interim answer does not free a released request's drain slot: a 103 Early Hints or a
        // 100 Continue comes before the upstream does the request's work (an origin that hints on
        // every page would otherwise have the whole queue at once); the final head, the exchange's
        // end or drain-start-timeout does (upstreamHead, PauseGate.exit, the gate's timer).
        if (ex == null || state != State.FORWARDING || ex.http10) {
            // RFC 9110 §15.2: never to an HTTP/1.0 client, which cannot tell it from the answer.
            return;
        }
        HopByHopHeaders.strip(interim.headers());
        interim.setProtocolVersion(HttpVersion.HTTP_1_1);
        ctx.write(interim, ctx.voidPromise());
        ctx.write(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        clientFlushPending = true;
    }

    @Override
    public void upstreamHead(HttpResponse response) {
        ClientExchange ex = exchange;
        if (ex == null || state != State.FORWARDING) {
            return;
        }
        int code = response.status().code();
        ex.status = code;
        ex.responseStarted = true;
        if (ex.heldNanos >= 0) {
            // The upstream is answering a released request: its drain slot is free (a long answer,
            // or a client reading it slowly, must not hold back the requests released after it).
            gate.answerStarted(ex);
        }
        HttpHeaders headers = response.headers();
        if (code == 101) {
            // The upstream accepted the client's upgrade: the connection becomes a tunnel.
            String protocol = headers.get(HttpHeaderNames.UPGRADE);
            HopByHopHeaders.strip(headers);
            if (protocol != null) {
                headers.set(HttpHeaderNames.UPGRADE, protocol);
            }
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            // The last head of the exchange, and the answer a released upgrade waited for.
            addPauseTiming(headers, ex);
            ex.switching = true;
            ctx.write(response, ctx.voidPromise());
            clientFlushPending = true;
            return;
        }
        boolean upstreamChunked = HttpUtil.isTransferEncodingChunked(response);
        boolean hasLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        boolean bodyless = ex.isHead || code == 204 || code == 304;
        HttpVersion upstreamVersion = response.protocolVersion();
        boolean chunked = false;
        if (!bodyless && (upstreamChunked || !hasLength)) {
            if (ex.http10) {
                // Never chunked to HTTP/1.0: the end of the body is the end of the connection.
                ex.closeClient = true;
            } else {
                chunked = true;
            }
        }
        if (clientMustClose(ex)) {
            ex.closeClient = true;
        }
        CharSequence connection = ex.closeClient ? HttpHeaderValues.CLOSE
                : ex.http10 ? HttpHeaderValues.KEEP_ALIVE : null;
        if (!relayResponseHead(ex, response, code, chunked == upstreamChunked, chunked, connection)) {
            HopByHopHeaders.strip(headers);
            response.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (chunked) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (connection != null) {
                headers.set(HttpHeaderNames.CONNECTION, connection);
            }
            ForwardedHeaders.addVia(headers, upstreamVersion);
            addPauseTiming(headers, ex);
        }
        if (response instanceof LastHttpContent) {
            // A whole response: upstreamContent gets the same object next and writes it as the end.
            return;
        }
        // Written at the end of this read (upstreamReadComplete), with what follows it in the read.
        if (unsent == null) {
            unsent = new ArrayList<>(4);
        }
        unsent.add(response);
    }

    /**
     * The client's head made on the upstream's received bytes ({@link RelayedHeads#response}), as
     * {@link #upstreamHead} would make it on the parsed head: hop-by-hop fields out, then
     * {@code Transfer-Encoding}, {@code Connection}, {@code Via} and {@code Server-Timing} set.
     * Only where the parsed head, left as it is, frames the body as the edit says
     * ({@code sameFraming}) and the encoder would not change the fields itself (1xx, 204 and 205
     * answers); false (nothing done) otherwise.
     */
    private boolean relayResponseHead(ClientExchange ex, HttpResponse response, int code, boolean sameFraming,
                                      boolean chunked, CharSequence connection) {
        if (!sameFraming || code < 200 || code == 204 || code == 205) {
            return false;
        }
        byte[] outgoing = RelayedHeads.response(response, chunked, connection,
                ex.heldNanos >= 0 ? pauseTiming(ex) : null);
        if (outgoing == null) {
            return false;
        }
        ((ReceivedHead) response).outgoing(outgoing);
        return true;
    }

    @Override
    public void upstreamContent(HttpContent content) {
        ClientExchange ex = exchange;
        if (ex == null || state != State.FORWARDING) {
            ReferenceCountUtil.release(content);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (ex.switching) {
            if (last) {
                ctx.write(content, ctx.voidPromise());
                switchToTunnel(ex);
            } else {
                ReferenceCountUtil.release(content);
            }
            return;
        }
        ex.responseBytes += content.content().readableBytes();
        if (last) {
            // The upstream side already gave its connection back (or closed it).
            clientFlushPending = false;
            ex.upstream = null;
            complete(ex, (LastHttpContent) content);
            return;
        }
        if (unsent != null && !unsent.isEmpty()) {
            unsent.add(content);
            unsentBytes += content.content().readableBytes();
            if (unsentBytes < ctx.channel().bytesBeforeUnwritable()) {
                return;
            }
            // As much as the client's socket may take at once: written now, as it would have been.
            writeUnsent();
        } else {
            ctx.write(content, ctx.voidPromise());
        }
        clientFlushPending = true;
        if (!ctx.channel().isWritable()) {
            ex.upstream.readResponse(false);
            clientFlushPending = false;
            ctx.flush();
        }
    }

    /** Writes the parts of the answer held back in this read, in order (the caller flushes). */
    private void writeUnsent() {
        ArrayList<HttpObject> parts = unsent;
        for (int i = 0; i < parts.size(); i++) {
            ctx.write(parts.get(i), ctx.voidPromise());
        }
        parts.clear();
        unsentBytes = 0;
    }

    /**
     * Whether nothing of {@code ex}'s answer was written to the client yet: none handed on, or
     * only parts held back in this read, which are then dropped (released) so that the proxy can
     * answer in their place.
     */
    private boolean takeBackUnsent(ClientExchange ex) {
        if (!ex.responseStarted) {
            return true;
        }
        if (unsent == null || unsent.isEmpty()) {
            return false;
        }
        releaseUnsent();
        ex.responseStarted = false;
        return true;
    }

    private void releaseUnsent() {
        if (unsent != null) {
            for (int i = 0; i < unsent.size(); i++) {
                ReferenceCountUtil.release(unsent.get(i));
            }
            unsent.clear();
            unsentBytes = 0;
        }
    }

    @Override
    public void upstreamReadComplete() {
        if (unsent != null && !unsent.isEmpty()) {
            writeUnsent();
            clientFlushPending = true;
        }
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
    }

    @Override
    public void upstreamWritable() {
        ClientExchange ex = exchange;
        if (ex != null && ex.waitingUpstreamWritable && state == State.FORWARDING) {
            ex.waitingUpstreamWritable = false;
            requestRead();
        }
    }

    @Override
    public void upstreamFailed(UpstreamErrorKind kind, Throwable cause) {
        ClientExchange ex = exchange;
        if (ex == null || (state != State.FORWARDING && state != State.CONNECTING)) {
            return;
        }
        ex.upstream = null;
        LOG.debug("exchange with {} failed ({}): {}", ex.target, kind, cause.toString());
        if (!takeBackUnsent(ex)) {
            // Part of the response went out in an earlier read (a body that broke or stalled): cut
            // it, so the client cannot take it as complete. The access log says what the client
            // got: the head's status, and that the body was cut. (Refused in the read that brought
            // the head, nothing was written yet: answered in full below.)
            ex.cutBy = kind.name().toLowerCase(Locale.ROOT);
            failExchange(ex, (kind == UpstreamErrorKind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT
                    : HttpResponseStatus.BAD_GATEWAY).code());
            closeClient();
        } else if (kind == UpstreamErrorKind.CONNECT) {
            respondLocal(ex, HttpResponseStatus.BAD_GATEWAY, "cannot connect to the upstream", false, null);
        } else if (kind == UpstreamErrorKind.TIMEOUT) {
            respondLocal(ex, HttpResponseStatus.GATEWAY_TIMEOUT, "the upstream did not answer in time", false, null);
        } else {
            // The upstream closed, reset or broke the protocol before answering, and the one retry
            // (UpstreamExchange's class comment: an idempotent request without a body, once, when
            // the connection closed before any answer) was not for this request or was used: it
            // is not sent again, so a POST or PATCH reaches an origin at most once.
            respondLocal(ex, HttpResponseStatus.BAD_GATEWAY, "the upstream failed before answering", false, null);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ClientExchange ex = exchange;
        Channel ch = ctx.channel();
        if (ch.isWritable()) {
            if (ex != null && ex.upstream != null && state == State.FORWARDING) {
                ex.upstream.readResponse(true);
                armResponseTimer();
            }
            if (readOwed) {
                readOwed = false;
                // The wait for the next request starts now, not while the client was not reading.
                awaitingSinceNanos = System.nanoTime();
                requestRead();
            }
            if (sendProgress != null) {
                sendProgress.drained();
            }
        } else if (sendTimer == null) {
            if (sendProgress == null) {
                sendProgress = new ClientSendProgress(ch);
            }
            sendProgress.mark(System.nanoTime());
            sendTimer = ch.eventLoop().schedule(sendTimerTask(), settings.clientSendTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * {@code --client-send-timeout} (HAProxy's {@code timeout client} on writes, nginx's
     * {@code send_timeout}): a client that took nothing of what was written to it for that long is
     * cut, whatever the state, and the upstream connection feeding it is closed. A slow client that
     * keeps reading is progress, not a stall, however little of the proxy's own buffers it frees:
     * what it took is judged by {@link ClientSendProgress}, where the kernel's send buffer counts too.
     * The timer stays armed while writability comes and goes (it only looks again), so the time
     * without progress before a cut is between one and two timeouts.
     */
    private void checkSend() {
        sendTimer = null;
        Channel ch = ctx.channel();
        if (!ch.isActive() || ch.isWritable()) {
            return;
        }
        if (sendProgress.tookSinceLastLook(System.nanoTime())) {
            sendTimer = ch.eventLoop().schedule(sendTimerTask(), settings.clientSendTimeoutNanos, TimeUnit.NANOSECONDS);
            return;
        }
        LOG.debug("{} took nothing for the client send timeout, closing", ch);
        // channelInactive ends the exchange (not counted as answered).
        closeClient();
    }

    // ---- ends of exchanges --------------------------------------------------------------------

    /**
     * Answers the current exchange from the proxy itself.
     *
     * @param forceClose  close the connection after it whatever the request said
     * @param retryAfter  the {@code Retry-After} seconds to add (the gate's refusals), or null for none
     */
    private void respondLocal(ClientExchange ex, HttpResponseStatus status, String why, boolean forceClose,
                              CharSequence retryAfter) {
        abortUpstream(ex);
        if (!ctx.channel().isActive()) {
            failExchange(ex, status.code());
            state = State.CLOSING;
            return;
        }
        ex.status = status.code();
        ex.responseStarted = true;
        ex.closeClient = forceClose || ex.closeClient || clientMustClose(ex);
        byte[] text = LocalResponses.text(status, why);
        HttpResponse head = LocalResponses.head(status, text.length, ex.closeClient);
        if (retryAfter != null) {
            head.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        addPauseTiming(head.headers(), ex);
        ctx.write(head, ctx.voidPromise());
        ex.responseBytes = text.length;
        complete(ex, LocalResponses.body(ctx.alloc(), text));
    }

    /**
     * Writes the response's end, then reads the next request or closes. The exchange is settled
     * (metrics, access log, gate exit) as the end is handed to the channel, so that whoever sees
     * the whole response also sees it counted.
     */
    private void complete(ClientExchange ex, LastHttpContent last) {
        if (unsent != null && !unsent.isEmpty()) {
            writeUnsent();
        }
        boolean keepAlive = !ex.closeClient && !shuttingDown;
        finish(ex, ex.status);
        if (keepAlive && ex.requestFullyRead) {
            ctx.writeAndFlush(last, ctx.voidPromise());
            state = State.AWAITING_HEAD;
            awaitingRequest();
            readNextRequest();
        } else if (keepAlive && !ex.hasBody) {
            // The request's (empty) end is still queued: swallow it, then go on.
            ctx.writeAndFlush(last, ctx.voidPromise());
            state = State.DISCARDING;
            readNextRequest();
        } else {
            // Request bytes may be left unread (a held or refused body, pipelined requests):
            // closing at once would reset the connection and could lose this answer.
            state = State.CLOSING;
            LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(last), metrics::lingeringClose);
        }
    }

    /** Ends an exchange that could not be answered in full (the response is cut or never sent). */
    private void failExchange(ClientExchange ex, int status) {
        if (ex == null || ex.done) {
            return;
        }
        finish(ex, status);
    }

    /** Bookkeeping at the end of every exchange that got past the gate's door: exactly once. */
    private void finish(ClientExchange ex, int status) {
        if (ex.done) {
            return;
        }
        ex.done = true;
        abortUpstream(ex);
        // Parts of an answer never written (the client went away in the read that brought them).
        releaseUnsent();
        if (exchange == ex) {
            exchange = null;
        }
        long nanos = System.nanoTime() - ex.startNanos;
        if (status > 0) {
            metrics.requestDone(status, nanos);
        }
        if (settings.accessLog) {
            int sent = ex.cutBy != null ? ex.status : status;
            AccessLog.line(clientIp, ex.method() + " " + ex.uri + (ex.http10 ? " HTTP/1.0" : " HTTP/1.1"),
                    sent > 0 ? sent : "-", ex.responseBytes, TimeUnit.NANOSECONDS.toMillis(nanos),
                    ex.target == null ? "-" : ex.target, ex.cutBy);
        }
        if (ex.forwarded) {
            gate.exit(ex);
        }
    }

    private void switchToTunnel(ClientExchange ex) {
        UpstreamExchange upstreamHalf = ex.upstream;
        ex.upstream = null;
        finish(ex, 101);
        state = State.CLOSING;
        Channel client = ctx.channel();
        clientFlushPending = false;
        ctx.flush();
        // Both pipelines become byte tunnels before either relays a byte: removing a codec passes on
        // what it still holds (a server's first frame read with its 101, a client's early bytes), and
        // the peer's HTTP encoder, were it still there, would refuse those bytes and close the
        // connection. The two sides share this event loop, so nothing is read in between.
        // Half-closed, a tunnel is closed once nothing moved for the client idle timeout.
        TunnelHandler toClient = TunnelHandler.holding(client, settings.clientIdleNanos);
        Channel up = upstreamHalf.tunnelTo(toClient);
        TunnelHandler toUpstream = toClient.otherWay(up);
        ChannelPipeline clientPipeline = client.pipeline();
        clientPipeline.addLast(ClientPipeline.TUNNEL, toUpstream);
        // Nearest to the tunnel first, so that the codec's leftover bytes go straight to the tunnel
        // (Netty's flow control handler, were it still behind the codec, would drop them with itself).
        clientPipeline.remove(this);
        for (int i = ClientPipeline.BEFORE_EXCHANGE.size() - 1; i >= 0; i--) {
            String name = ClientPipeline.BEFORE_EXCHANGE.get(i);
            if (clientPipeline.get(name) != null) {
                clientPipeline.remove(name);
            }
        }
        toClient.open();
        toUpstream.open();
        if (inputShutdown) {
            // The client ended its output before the 101: the tunnel passes that end on now.
            toUpstream.inputEnded();
        }
        client.config().setAutoRead(true);
        up.config().setAutoRead(true);
        if (shutdownSettled != null) {
            // Made while the proxy shuts down: nothing left here for the stop to wait for.
            shutdownSettled.trySuccess(null);
        }
    }

    /** The client side gives up on the upstream half, if it has one: closed, never reused. */
    private void abortUpstream(ClientExchange ex) {
        UpstreamExchange up = ex.upstream;
        if (up != null) {
            ex.upstream = null;
            up.abort();
        }
    }

    private void closeClient() {
        state = State.CLOSING;
        if (exchange != null) {
            abortUpstream(exchange);
        }
        ctx.close();
    }

    /**
     * The connection starts waiting for a request head: the idle clock starts. One timer per
     * connection, re-armed lazily when it fires, rather than one per request or an idle handler
     * watching every read and write.
     */
    private void awaitingRequest() {
        awaitingSinceNanos = System.nanoTime();
        if (idleTimer == null) {
            idleTimer = ctx.channel().eventLoop().schedule(idleTimerTask, settings.clientIdleNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    private void checkIdle() {
        idleTimer = null;
        if (state == State.CLOSING || !ctx.channel().isActive()) {
            return;
        }
        long next = settings.clientIdleNanos;
        if (state == State.AWAITING_HEAD && !readOwed) {
            long idle = System.nanoTime() - awaitingSinceNanos;
            if (idle >= settings.clientIdleNanos) {
                LOG.debug("{} idle, closing", ctx.channel());
                closeClient();
                return;
            }
            next = settings.clientIdleNanos - idle;
        }
        // Busy (held, forwarding, or a client not taking its answers: the send timeout watches that):
        // not idleness; look again later.
        idleTimer = ctx.channel().eventLoop().schedule(idleTimerTask, next, TimeUnit.NANOSECONDS);
    }

    /**
     * A request head began arriving and is not complete: it must be within the header timeout
     * (HAProxy's {@code timeout http-request}), counted from when the connection waits for it.
     */
    private void headStarted() {
        headStartedNanos = System.nanoTime();
        if (headTimer == null) {
            headTimer = ctx.channel().eventLoop().schedule(headTimerTask(), settings.clientHeaderNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void checkHead() {
        headTimer = null;
        if (headStartedNanos == 0 || state == State.CLOSING || !ctx.channel().isActive()) {
            return;
        }
        long next = settings.clientHeaderNanos;
        if (state == State.AWAITING_HEAD) {
            long elapsed = System.nanoTime() - Math.max(headStartedNanos, awaitingSinceNanos);
            if (elapsed >= settings.clientHeaderNanos) {
                LOG.debug("{} request head not complete in time, closing", ctx.channel());
                state = State.CLOSING;
                metrics.headTimeout();
                metrics.requestDone(HttpResponseStatus.REQUEST_TIMEOUT.code(), 0);
                LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(LocalResponses.full(ctx.alloc(),
                        HttpResponseStatus.REQUEST_TIMEOUT, "request head not complete within "
                                + Durations.format(Duration.ofNanos(settings.clientHeaderNanos)), true)),
                        metrics::lingeringClose);
                return;
            }
            next = settings.clientHeaderNanos - elapsed;
        }
        // Busy with the exchange before it (a pipelined head): the clock starts when it is waited for.
        headTimer = ctx.channel().eventLoop().schedule(headTimerTask(), next, TimeUnit.NANOSECONDS);
    }

    private void shutdown(Promise<Void> settled) {
        shuttingDown = true;
        shutdownSettled = settled;
        if (state == State.AWAITING_HEAD) {
            closeClient();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ClientHttpCodec.HEAD_STARTED) {
            headStarted();
            return;
        }
        if (evt == ClientHttpCodec.READ_WHILE_WATCHED) {
            heldConnectionRead();
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (state == State.HELD) {
                heldClientEnded();
            } else if (readPending) {
                clientInputEnded();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The client ended its side of the connection while its request was held. An end of stream
     * cannot tell a half-close from a close, and a half-close does not say the client no longer
     * wants an answer (RFC 9112 §9.6). The request is dropped from the queue and never forwarded,
     * as for a disconnect (DESIGN; HAProxy's {@code option abortonclose} for queued requests): a
     * window must not send work on behalf of a client that may be gone, whose retry elsewhere
     * would then run it twice. It counts as {@code client_gone}, and is answered 503 with
     * {@code Retry-After} and {@code Connection: close}, which a client that only half-closed
     * reads (never forwarded, safe to retry); on a closed one the write is lost. Before, it got a
     * bare end of stream (review, session 7).
     */
    private void heldClientEnded() {
        ClientExchange ex = exchange;
        if (ex == null || ex.forwarded || ex.done) {
            ctx.close();
            return;
        }
        gate.abandon(ex);
        respondLocal(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, GateAnswers.clientEnded(), true,
                LocalResponses.RETRY_AFTER_SECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ClientExchange ex = exchange;
        if (ex != null && !ex.done) {
            // Not done and never forwarded means held at the gate, whatever state the handler
            // reached on the way out (a read error, such as a client's reset, closes through
            // exceptionCaught, which sets CLOSING first): the gate must drop it.
            if (!ex.forwarded) {
                ex.done = true;
                exchange = null;
                gate.abandon(ex);
            } else {
                failExchange(ex, 0);
            }
        }
        state = State.CLOSING;
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
        cancelIdleTimer();
        if (sendTimer != null) {
            sendTimer.cancel(false);
            sendTimer = null;
        }
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: {}", ctx.channel(), cause.toString());
        closeClient();
    }

    /**
     * An absolute-form target ({@code GET http://host/path}) names its host itself, and RFC 9112
     * (3.2.2) has the origin use that host, not the Host header: the proxy must send a Host made
     * from the target. Otherwise the gate (scope by host) and the upstream would each pick a
     * different host for the same request, and a pause scoped to a host could be walked around.
     * The target goes on in origin form, which every origin understands.
     */
    static void toOriginForm(HttpRequest request) {
        String uri = request.uri();
        int scheme = uri.indexOf("://");
        if (!(scheme == 4 && uri.regionMatches(true, 0, "http", 0, 4)
                || scheme == 5 && uri.regionMatches(true, 0, "https", 0, 5))) {
            return;
        }
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(uri.lastIndexOf('@', end - 1) >= start ? uri.lastIndexOf('@', end - 1) + 1 : start, end);
        if (authority.isEmpty()) {
            return;
        }
        String rest = uri.substring(end);
        request.headers().set(HttpHeaderNames.HOST, authority);
        request.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
    }

    /** The request target's path: no query, and no scheme and authority for an absolute form. */
    static String pathOf(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int slash = uri.indexOf('/', scheme + 3);
                if (slash < 0) {
                    return "/";
                }
                start = slash;
            }
        }
        int end = uri.length();
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return uri.substring(start, end);
    }

    /** The Host header's host, lower case, without the port (IPv6 brackets kept). */
    static String hostOf(CharSequence host) {
        if (host == null) {
            return "";
        }
        int end = host.length();
        int colon = -1;
        int bracket = -1;
        for (int i = 0; i < end; i++) {
            char c = host.charAt(i);
            if (c == ':') {
                colon = i;
            } else if (c == ']' && bracket < 0) {
                bracket = i;
            }
        }
        if (colon >= 0 && bracket < colon) {
            end = colon;
        }
        // As String.trim, then toLowerCase(Locale.ROOT), with one String made when nothing changes case.
        int from = 0;
        while (from < end && host.charAt(from) <= ' ') {
            from++;
        }
        while (end > from && host.charAt(end - 1) <= ' ') {
            end--;
        }
        boolean lower = true;
        for (int i = from; i < end && lower; i++) {
            char c = host.charAt(i);
            lower = !(c >= 'A' && c <= 'Z' || c >= 0x80);
        }
        String text = host instanceof AsciiString ascii ? ascii.toString(from, end) : host.subSequence(from, end).toString();
        return lower ? text : text.toLowerCase(Locale.ROOT);
    }
}
