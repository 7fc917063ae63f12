package io.pausectl.proxy.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The upstream side's HTTP/1.1 codec: what Netty's {@code HttpClientCodec} does for a proxy
 * (requests out, responses in, each response paired with its request's method so that the answer
 * to a HEAD is read without a body; interim 1xx answers pair with nothing), plus one thing it
 * cannot tell: whether bytes the upstream sent are still unread after the end of a response
 * ({@link #hasUnreadBytes}). Such bytes were sent before the proxy wrote any next request, so they
 * answer nothing the proxy asked: the connection is out of step and must not be reused.
 */
final class UpstreamHttpCodec extends CombinedChannelDuplexHandler<UpstreamHttpCodec.ResponseDecoder, UpstreamHttpCodec.RequestEncoder> {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    UpstreamHttpCodec(HttpDecoderConfig config) {
        init(new ResponseDecoder(config), new RequestEncoder());
    }

    /** Whether bytes read from the upstream wait undecoded (checked at the end of a response). */
    boolean hasUnreadBytes() {
        return inboundHandler().unreadBytes() > 0;
    }

    /** Decodes responses, pairing each final one with the method of its request. */
    final class ResponseDecoder extends HttpResponseDecoder {
        ResponseDecoder(HttpDecoderConfig config) {
            super(config);
        }

        int unreadBytes() {
            return actualReadableBytes();
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }

    /** Encodes requests, noting each one's method for the decoder. */
    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest) {
                methods.add(((HttpRequest) msg).method());
            }
            super.encode(ctx, msg, out);
        }
    }
}
