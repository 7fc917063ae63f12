package io.pausectl.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.pausectl.bench.upstream.RequestIds;

/**
 * Last handler of one generator connection (after the HTTP client codec and aggregator): sends one
 * request at a time and hands each answer, or the connection's end, to its {@link LoadWorker}.
 * Runs on the worker's event loop; responses are released by SimpleChannelInboundHandler.
 */
final class ClientConnectionHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
    private static final int NONE = -1;

    private final LoadWorker worker;
    private ChannelHandlerContext ctx;
    private int seq = NONE;
    private long intendedNanos;
    private String expectedId;

    ClientConnectionHandler(LoadWorker worker) {
        this.worker = worker;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    boolean busy() {
        return seq != NONE;
    }

    void send(int seq, long intendedNanos, String host, String path, String runId, boolean keepAlive) {
        this.seq = seq;
        this.intendedNanos = intendedNanos;
        this.expectedId = RequestIds.format(runId, seq);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                Unpooled.EMPTY_BUFFER);
        request.headers()
                .set(HttpHeaderNames.HOST, host)
                .set(RequestIds.HEADER, expectedId);
        if (!keepAlive) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (seq == NONE) {
            // an answer to nothing (e.g. a 408 before closing): this connection is not trustworthy
            ctx.close();
            return;
        }
        int answered = seq;
        seq = NONE;
        String id = response.headers().get(RequestIds.HEADER);
        int status = response.status().code();
        boolean ownId = expectedId.equals(id);
        int heldMs = heldMillis(response.headers().get("Server-Timing"));
        boolean reusable = HttpUtil.isKeepAlive(response);
        worker.answered(this, answered, intendedNanos, ownId || status >= 300 ? status : RequestLog.WRONG_ID, heldMs, reusable,
                status >= 500 ? reason(response) : null);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        int broken = seq;
        seq = NONE;
        worker.closed(this, broken);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    void close() {
        ctx.close();
    }

    /**
     * The first line of a 5xx answer's body (at most 60 characters, without a leading status line):
     * pause-proxy says there why it answered, e.g. whether it could not connect to the upstream at all.
     */
    static String reason(FullHttpResponse response) {
        String text = response.content().toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        int nl = text.indexOf('\n');
        if (nl >= 0) {
            text = text.substring(0, nl).strip();
        }
        // pause-proxy's own answers read "502 Bad Gateway: <why>": the status is said already.
        int colon = text.indexOf(": ");
        if (colon > 0 && text.startsWith(response.status().code() + " ")) {
            text = text.substring(colon + 2);
        }
        return text.length() > 60 ? text.substring(0, 60) : text;
    }

    /** The {@code dur} of a {@code pause} metric in a Server-Timing header, or -1. */
    static int heldMillis(String serverTiming) {
        if (serverTiming == null) {
            return -1;
        }
        for (String metric : serverTiming.split(",")) {
            String[] parts = metric.trim().split(";");
            if (!parts[0].trim().equals("pause")) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                if (p.startsWith("dur=")) {
                    try {
                        return (int) Math.round(Double.parseDouble(p.substring(4)));
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }
}
