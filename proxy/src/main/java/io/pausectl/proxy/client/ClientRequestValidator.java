package io.pausectl.proxy.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.RequestTargets;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Refuses, before anything reaches the gate or an upstream, every request head whose framing or
 * form this proxy cannot be sure the upstream reads the same way (request smuggling), and the
 * ones over the size limits. Sits after {@code FlowControlHandler}, so it only sees a request when
 * the exchange handler asked for the next one: no response is in progress and the answer is in
 * order. The answer is written here, always with {@code Connection: close}, and the connection is
 * closed; everything read after it is released unseen.
 *
 * <ul>
 *   <li>the codec's failures: 414 for a request line over the limit, 431 for a head over the
 *       limit, 400 for the rest (malformed lines, bad header names, duplicate Content-Length,
 *       Content-Length with Transfer-Encoding);</li>
 *   <li>400 for any {@code Transfer-Encoding} other than exactly one {@code chunked} (so
 *       {@code xchunked}, {@code chunked, identity}, {@code gzip, chunked}, two fields, odd
 *       whitespace are all refused), and for {@code Transfer-Encoding} in an HTTP/1.0 request;</li>
 *   <li>400 for a request the codec frames a body for while it has neither {@code Content-Length}
 *       nor {@code Transfer-Encoding} (RFC 9112 §6.3: the origin reads none): Netty's decoder does
 *       so for a GET with both keys of the obsolete draft-76 WebSocket handshake;</li>
 *   <li>400 for a request with more than one {@code Host}, or an HTTP/1.1 one without it, 505 for versions other
 *       than 1.0 and 1.1, 417 for an {@code Expect} other than {@code 100-continue}, 405 for
 *       {@code CONNECT} (this is a reverse proxy, not a forward one);</li>
 *   <li>400 for a request-target or a {@code Host} value that is not well formed
 *       (see {@link RequestTargets}: RFC 9112 §3.2, RFC 3986), and for a bare CR in the head
 *       (see {@link ClientHttpCodec}).</li>
 * </ul>
 */
public final class ClientRequestValidator extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClientRequestValidator.class);

    private final ProxyMetrics metrics;
    private final boolean accessLog;
    private boolean refused;

    /**
     * @param metrics   counts every refusal as a request answered
     * @param accessLog whether refusals get an access log line like forwarded requests do
     */
    public ClientRequestValidator(ProxyMetrics metrics, boolean accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpRequest request = (HttpRequest) msg;
        HttpResponseStatus status;
        String why;
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
                why = "request line too long";
            } else if (cause instanceof TooLongHttpHeaderException) {
                status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
                why = "request head too large";
            } else {
                status = HttpResponseStatus.BAD_REQUEST;
                why = cause.getMessage() == null ? "malformed request" : cause.getMessage();
            }
        } else {
            Problem problem = check(request);
            status = problem == null ? null : problem.status();
            why = problem == null ? null : problem.why();
        }
        if (status == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        refused = true;
        LOG.debug("{} refused with {}: {}", ctx.channel().remoteAddress(), status.code(), why);
        metrics.requestDone(status.code(), 0);
        FullHttpResponse response = LocalResponses.full(ctx.alloc(), status, why, true);
        if (accessLog) {
            // A head the codec could not parse has no trustworthy method or target.
            String line = result.isFailure() ? "-" : request.method() + " " + RequestTargets.escape(request.uri()) + " " + request.protocolVersion();
            AccessLog.line(AccessLog.clientIp(ctx.channel().remoteAddress()), line, status.code(),
                    response.content().readableBytes(), 0, "-", null);
        }
        // Bytes after the refused head (its body, pipelined requests) are unread: linger, so the
        // answer is not lost to a reset.
        LingeringClose.closeAfter(ctx.channel(), ctx.writeAndFlush(response), metrics::lingeringClose);
    }

    /** Why a well-formed head is refused. */
    record Problem(HttpResponseStatus status, String why) {
    }

    /** The most options (comma-separated names) all of a request's Connection fields may hold. */
    static final int MAX_CONNECTION_OPTIONS = 32;

    /** How many non-empty comma-separated options the Connection fields hold, without copying them. */
    private static int connectionOptions(HttpHeaders headers) {
        int options = 0;
        for (java.util.Iterator<? extends CharSequence> it = headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
             it.hasNext(); ) {
            CharSequence value = it.next();
            boolean inOption = false;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ',') {
                    inOption = false;
                } else if (c != ' ' && c != '\t' && !inOption) {
                    inOption = true;
                    options++;
                }
            }
        }
        return options;
    }

    /** The reason to refuse a well-formed head, or null when it may go on. */
    static Problem check(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        boolean http10 = version.majorVersion() == 1 && version.minorVersion() == 0;
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new Problem(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and HTTP/1.1");
        }
        HttpHeaders headers = request.headers();
        List<String> te = headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                ? headers.getAll(HttpHeaderNames.TRANSFER_ENCODING) : List.of();
        if (!te.isEmpty()) {
            if (http10) {
                return new Problem(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (te.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0))) {
                return new Problem(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding must be exactly 'chunked'");
            }
        }
        // A body the head does not declare: with neither Content-Length nor Transfer-Encoding the
        // origin reads none (RFC 9112 §6.3), so the proxy must frame none. Netty's decoder frames
        // 8 bytes for a GET carrying both keys of the obsolete draft-76 WebSocket handshake
        // (Sec-WebSocket-Key1/Key2); forwarded, they would start the origin's next request.
        if (te.isEmpty() && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                && HttpUtil.getContentLength(request, 0L) != 0) {
            return new Problem(HttpResponseStatus.BAD_REQUEST,
                    "a body without Content-Length or Transfer-Encoding (draft-76 WebSocket keys)");
        }
        // RFC 9112 §3.2: more than one Host is a 400 in any version (an origin reading the last one
        // while the gate read the first would walk around a host scope); HTTP/1.1 also needs one.
        // Read where they are (a view of the received bytes stays one): no list, no String.
        CharSequence host;
        int hosts;
        if (headers instanceof CompactHttpHeaders compact) {
            hosts = compact.count(HttpHeaderNames.HOST);
            host = compact.getText(HttpHeaderNames.HOST);
        } else {
            List<String> all = headers.getAll(HttpHeaderNames.HOST);
            hosts = all.size();
            host = hosts == 0 ? null : all.get(0);
        }
        if (hosts > 1) {
            return new Problem(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
        }
        if (!http10 && hosts == 0) {
            return new Problem(HttpResponseStatus.BAD_REQUEST, "no Host header");
        }
        // Each Connection option names a field to remove. The removal is one sweep of the fields
        // against a set of the options (FieldNames), so many options no longer cost options times
        // fields (a thousand of each cost the event loop ~40 ms before); the bound stays as policy:
        // real clients send one or two options, and a response's options are not bounded.
        if (connectionOptions(headers) > MAX_CONNECTION_OPTIONS) {
            return new Problem(HttpResponseStatus.BAD_REQUEST,
                    "more than " + MAX_CONNECTION_OPTIONS + " Connection options");
        }
        String expect = headers.get(HttpHeaderNames.EXPECT);
        if (expect != null && !http10 && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
            return new Problem(HttpResponseStatus.EXPECTATION_FAILED, "only 'Expect: 100-continue' is supported");
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            return new Problem(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported by a reverse proxy");
        }
        String target = RequestTargets.targetProblem(request.method(), request.uri());
        if (target != null) {
            return new Problem(HttpResponseStatus.BAD_REQUEST, target);
        }
        if (host != null) {
            String why = RequestTargets.hostProblem(host);
            if (why != null) {
                return new Problem(HttpResponseStatus.BAD_REQUEST, why);
            }
        }
        return null;
    }
}
