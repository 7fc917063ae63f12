package io.pausectl.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.Future;
import io.pausectl.api.AdminRequests;
import io.pausectl.api.ApiError;
import io.pausectl.api.CancelRequest;
import io.pausectl.api.HeldList;
import io.pausectl.api.HeldRequest;
import io.pausectl.api.Json;
import io.pausectl.api.MaintenanceRequest;
import io.pausectl.api.PauseRequest;
import io.pausectl.api.RenewRequest;
import io.pausectl.api.ResumeRequest;
import io.pausectl.api.Limits;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.common.Printable;
import io.pausectl.proxy.client.LingeringClose;
import io.pausectl.proxy.gate.LeaseConflictException;
import io.pausectl.proxy.gate.LeaseGoneException;
import io.pausectl.proxy.gate.NotHeldException;
import io.pausectl.proxy.gate.MaintenanceOrder;
import io.pausectl.proxy.gate.PauseOrder;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The admin API's endpoints. Sits last in the admin pipeline (codec, keep-alive, aggregator); it
 * answers one request at a time, keeping pipelined ones aside until the answer before them is
 * written, because the gate answers later, from its own executor. What the aggregator before it
 * would write early for a pipelined request (a {@code 100 Continue}, a 413 for a body too large) waits
 * its turn too ({@link #inTurn}): answers go out in the order of the requests (RFC 9112 §9.3.2). It
 * releases every request.
 *
 * <ul>
 *   <li>{@code GET /v1/status}, {@code POST /v1/pause}, {@code POST /v1/pause/renew},
 *       {@code POST /v1/resume}: JSON in and out ({@link Status}); bodies read strictly.</li>
 *   <li>{@code POST /v1/maintenance} ({@link MaintenanceRequest}), {@code POST /v1/maintenance/off}
 *       ({@code {"lease":"..."}} or {@code {"force":true}}): maintenance mode on (or changed and
 *       renewed, naming its lease) and off; both answer the status object.</li>
 *   <li>{@code GET /v1/held?limit=N} ({@link HeldList}, oldest first, N 1 to 10000, default 100) and
 *       {@code POST /v1/held/cancel} ({@code {"id":17}}, answers the cancelled {@link HeldRequest}).</li>
 *   <li>{@code GET /metrics}: Prometheus text.</li>
 *   <li>{@code GET /healthz}: 200 while the process serves; open even when a token is set, so
 *       that probes need no secret.</li>
 * </ul>
 * Errors are {@link ApiError} JSON: 400 bad body or duration, 401 missing or wrong token (then the
 * connection closes), 404
 * unknown path, lease or held request, 405 wrong method, 409 another lease (pause or maintenance) holds, 413 body over 64 KiB (then the
 * connection closes), 503 shutting down.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    /** How long POST /v1/pause waits for {@code paused} when the body says nothing. */
    static final Duration DEFAULT_WAIT_IDLE = Duration.ofSeconds(10);

    private final QueueingPauseGate gate;
    private final ProxyMetrics metrics;
    private final BearerToken token;
    private final AdminConnectionGuard guard;
    /** Pipelined requests ({@link FullHttpRequest}) and writes ({@link Runnable}) that wait their turn. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean closing;

    AdminHandler(QueueingPauseGate gate, ProxyMetrics metrics, BearerToken token, AdminConnectionGuard guard) {
        this.gate = gate;
        this.metrics = metrics;
        this.token = token;
        this.guard = guard;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        if (closing) {
            request.release();
            return;
        }
        if (busy) {
            // A pipelined request waits for the answer before it, which may come from the gate later.
            waiting.add(request);
            return;
        }
        busy = true;
        guard.answering();
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        dropWaiting();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropWaiting();
    }

    private void dropWaiting() {
        Object r;
        while ((r = waiting.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }

    /**
     * Runs {@code write} once every request before it has been answered: at once when none waits for
     * its answer, else after the last of them. For what the aggregator writes before a request is
     * whole: a {@code 100 Continue} is sent only when its request's turn comes (RFC 9110 §10.1.1,
     * RFC 9112 §9.3.2). Event loop only.
     *
     * @param write writes on the connection; it may close it ({@link #closingAfter} then)
     */
    void inTurn(Runnable write) {
        if (closing) {
            return;
        }
        if (busy) {
            waiting.add(write);
        } else {
            write.run();
        }
    }

    /** Whether an answer is still owed to a request before the one being read now. */
    boolean answerOwed() {
        return busy;
    }

    /** A write in turn closes the connection: nothing after it is answered. */
    void closingAfter() {
        closing = true;
        dropWaiting();
    }

    /** The answer to the current request was written: take the next pipelined one, if any. */
    private void answered(ChannelHandlerContext ctx) {
        busy = false;
        Object next;
        while (!closing && (next = waiting.poll()) != null) {
            if (next instanceof Runnable write) {
                write.run();
                continue;
            }
            channelReadNext(ctx, (FullHttpRequest) next);
            return;
        }
        if (!closing) {
            guard.idle();
        }
    }

    private void channelReadNext(ChannelHandlerContext ctx, FullHttpRequest request) {
        busy = true;
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            answerError(ctx, false, HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
            return;
        }
        String path;
        java.util.Map<String, java.util.List<String>> query;
        try {
            QueryStringDecoder target = new QueryStringDecoder(request.uri());
            path = target.path();
            query = target.parameters();
        } catch (IllegalArgumentException e) {
            path = null;
            query = null;
        }
        HttpMethod method = request.method();
        boolean authorized = token == null || token.accepts(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (!authorized && !"/healthz".equals(path)) {
            // Before routing: a caller without the token learns nothing of which endpoints exist,
            // and keeps no connection open by asking (AdminConnections).
            send(ctx, false, unauthorized());
            return;
        }
        if (authorized && !guard.authenticated()) {
            keepAlive = false;
        }
        if (path == null) {
            answerError(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "the request target is not a path and query (a malformed %-escape?)");
            return;
        }
        if (path.equals("/healthz")) {
            if (expect(ctx, keepAlive, method, HttpMethod.GET)) {
                answer(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; charset=utf-8",
                        "ok\n".getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        boolean known = path.equals("/metrics") || path.equals("/v1/status") || path.equals("/v1/pause")
                || path.equals("/v1/pause/renew") || path.equals("/v1/resume") || path.equals("/v1/maintenance")
                || path.equals("/v1/maintenance/off") || path.equals("/v1/held") || path.equals("/v1/held/cancel");
        if (!known) {
            answerError(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "not_found", "no endpoint " + path);
            return;
        }
        try {
            // The API's own endpoints take no query parameter but /v1/held's limit, each once.
            java.util.Map<String, String> params = path.startsWith("/v1/")
                    ? AdminRequests.query(query, path.equals("/v1/held") ? new String[] {"limit"} : new String[0])
                    : java.util.Map.of();
            switch (path) {
                case "/metrics":
                    if (expect(ctx, keepAlive, method, HttpMethod.GET)) {
                        answer(ctx, keepAlive, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                                metrics.scrape().getBytes(StandardCharsets.UTF_8));
                    }
                    break;
                case "/v1/status":
                    if (expect(ctx, keepAlive, method, HttpMethod.GET)) {
                        answerLater(ctx, keepAlive, gate.statusAsync());
                    }
                    break;
                case "/v1/pause":
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        answerLater(ctx, keepAlive, gate.pause(pauseOrder(
                                AdminRequests.check(read(request, PauseRequest.class)))));
                    }
                    break;
                case "/v1/pause/renew":
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        RenewRequest renew = AdminRequests.check(read(request, RenewRequest.class));
                        answerLater(ctx, keepAlive, gate.renew(renew.lease(), ttl(renew.ttl())));
                    }
                    break;
                case "/v1/maintenance":
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        MaintenanceRequest m = AdminRequests.check(read(request, MaintenanceRequest.class));
                        answerLater(ctx, keepAlive, gate.maintenanceOn(new MaintenanceOrder(m.message(),
                                AdminRequests.retryAfter(m.retryAfter()), AdminRequests.maintenanceTtl(m.ttl()),
                                m.holder(), m.scope(), Optional.ofNullable(m.lease()).filter(l -> !l.isBlank()))));
                    }
                    break;
                case "/v1/maintenance/off":
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        ResumeRequest off = AdminRequests.check(read(request, ResumeRequest.class));
                        boolean force = Boolean.TRUE.equals(off.force());
                        answerLater(ctx, keepAlive, gate.maintenanceOff(force ? null : off.lease()));
                    }
                    break;
                case "/v1/held":
                    if (expect(ctx, keepAlive, method, HttpMethod.GET)) {
                        answerJsonLater(ctx, keepAlive, gate.held(AdminRequests.heldLimit(params.get("limit"))));
                    }
                    break;
                case "/v1/held/cancel":
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        long id = AdminRequests.check(read(request, CancelRequest.class));
                        answerJsonLater(ctx, keepAlive, gate.cancelHeld(id));
                    }
                    break;
                default:
                    if (expect(ctx, keepAlive, method, HttpMethod.POST)) {
                        ResumeRequest resume = AdminRequests.check(read(request, ResumeRequest.class));
                        boolean force = Boolean.TRUE.equals(resume.force());
                        String lease = resume.lease();
                        answerLater(ctx, keepAlive, gate.resume(lease, force));
                    }
            }
        } catch (IllegalArgumentException e) {
            answerError(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
        }
    }

    /** The pause order of a checked body; every duration already within its range. */
    private PauseOrder pauseOrder(PauseRequest body) {
        PauseRequest p = body == null ? new PauseRequest(null, null, null, null, null, null) : body;
        return new PauseOrder(p.reason(), p.holder(), ttl(p.ttl()),
                AdminRequests.waitIdle(p.waitIdle(), DEFAULT_WAIT_IDLE), p.scope(),
                Optional.ofNullable(p.lease()).filter(s -> !s.isBlank()));
    }

    /**
     * A lease's ttl; one longer than max-pause is refused rather than silently cut to it, so that the
     * controller learns the pause will not last as long as it asked.
     */
    private Optional<Duration> ttl(String text) {
        Optional<Duration> ttl = AdminRequests.ttl(text);
        Duration maxPause = gate.settings().maxPause();
        if (ttl.isPresent() && ttl.get().compareTo(maxPause) > 0) {
            throw new IllegalArgumentException("ttl " + Durations.format(ttl.get()) + " is longer than this proxy's"
                    + " max-pause " + Durations.format(maxPause) + " (a pause ends at max-pause from its start,"
                    + " renewals included)");
        }
        return ttl;
    }

    /** The limits {@code /v1/status} reports, from the gate's settings. */
    private Limits limits() {
        GateSettings s = gate.settings();
        return new Limits(s.queueTimeout().toMillis(), s.maxPause().toMillis(), s.maxQueued(), s.maxQueuedBytes());
    }

    /** The body as {@code type}, null when empty; see {@link AdminRequests#read}. */
    private static <T> T read(FullHttpRequest request, Class<T> type) {
        return AdminRequests.read(ByteBufUtil.getBytes(request.content()), type);
    }

    static FullHttpResponse unauthorized() {
        FullHttpResponse response = errorResponse(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                "this admin API needs 'Authorization: Bearer <token>' with the configured token");
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        return response;
    }

    private boolean expect(ChannelHandlerContext ctx, boolean keepAlive, HttpMethod actual, HttpMethod wanted) {
        if (actual.equals(wanted)) {
            return true;
        }
        FullHttpResponse response = errorResponse(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                "use " + wanted + " here");
        response.headers().set(HttpHeaderNames.ALLOW, wanted.name());
        send(ctx, keepAlive, response);
        return false;
    }

    private void answerLater(ChannelHandlerContext ctx, boolean keepAlive, Future<Status> answer) {
        answerJsonLater(ctx, keepAlive, answer);
    }

    /** Answers with the future's value as JSON (a status gets the limits), or its failure as an error. */
    private void answerJsonLater(ChannelHandlerContext ctx, boolean keepAlive, Future<?> answer) {
        answer.addListener(f -> {
            if (f.isSuccess()) {
                Object value = answer.getNow();
                answer(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                        Json.strict().writeValueAsBytes(value instanceof Status
                                ? ((Status) value).withLimits(limits()) : value));
                return;
            }
            Throwable cause = f.cause();
            if (cause instanceof LeaseConflictException) {
                answerError(ctx, keepAlive, HttpResponseStatus.CONFLICT, "conflict", cause.getMessage());
            } else if (cause instanceof LeaseGoneException || cause instanceof NotHeldException) {
                answerError(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "not_found", cause.getMessage());
            } else if (cause instanceof IllegalArgumentException) {
                answerError(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "bad_request", cause.getMessage());
            } else if (cause instanceof IllegalStateException) {
                answerError(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", cause.getMessage());
            } else {
                log.warn("admin request failed: {}", Printable.escape(String.valueOf(cause)), cause);
                answerError(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                        "the proxy could not carry this out (its log says why); nothing was changed");
            }
        });
    }

    private void answerError(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String code,
                             String message) {
        send(ctx, keepAlive, errorResponse(status, code, message));
    }

    static FullHttpResponse errorResponse(HttpResponseStatus status, String code, String message) {
        byte[] body;
        try {
            body = Json.strict().writeValueAsBytes(new ApiError(code, message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return response(status, "application/json", body);
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String type,
                        byte[] body) {
        send(ctx, keepAlive, response(status, type, body));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    private void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (ctx.executor().inEventLoop()) {
            write(ctx, response);
        } else {
            ctx.executor().execute(() -> write(ctx, response));
        }
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (HttpUtil.isKeepAlive(response)) {
            ctx.writeAndFlush(response);
            answered(ctx);
            return;
        }
        // The client may still be sending (a body we did not read, pipelined requests): linger so
        // that it reads this answer instead of a reset.
        guard.closing();
        closingAfter();
        LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(response), LingeringClose.Limits.ADMIN, null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection failed", cause);
        ctx.close();
    }
}
