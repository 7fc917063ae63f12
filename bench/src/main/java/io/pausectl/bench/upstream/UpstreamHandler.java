package io.pausectl.bench.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Last handler of a sample-upstream connection (after the codec, keep-alive handler and
 * aggregator): records the request's id, then answers as the behaviour says. Releases every
 * request (SimpleChannelInboundHandler) whether it answers or drops it.
 */
final class UpstreamHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final byte[] OK_BODY = "ok\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAIL_BODY = "upstream failure (on purpose)\n".getBytes(StandardCharsets.US_ASCII);

    private final SampleUpstream upstream;
    private final UpstreamBehaviour behaviour;

    UpstreamHandler(SampleUpstream upstream, UpstreamBehaviour behaviour) {
        this.upstream = upstream;
        this.behaviour = behaviour;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String id = request.headers().get(RequestIds.HEADER);
        String runId = RequestIds.runOf(id);
        long seq = RequestIds.seqOf(id);
        upstream.record(id, runId, seq);

        UpstreamAnswer answer = behaviour.answer(runId, seq);
        if (answer.drop()) {
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (answer.delayMillis() > 0) {
            ctx.executor().schedule(() -> respond(ctx, answer.status(), id, keepAlive),
                    answer.delayMillis(), TimeUnit.MILLISECONDS);
        } else {
            respond(ctx, answer.status(), id, keepAlive);
        }
    }

    private static void respond(ChannelHandlerContext ctx, int status, String id, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            return;
        }
        byte[] body = status >= 200 && status < 300 ? OK_BODY : FAIL_BODY;
        ByteBuf content = ctx.alloc().buffer(body.length).writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (id != null) {
            response.headers().set(RequestIds.HEADER, id);
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
