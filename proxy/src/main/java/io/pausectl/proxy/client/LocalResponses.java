package io.pausectl.proxy.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;

/** Responses the proxy writes itself (errors, refusals): a short text body saying why. */
public final class LocalResponses {
    /** Seconds a client refused by the gate is told to wait before retrying. */
    public static final AsciiString RETRY_AFTER_SECONDS = AsciiString.cached("1");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

    private LocalResponses() {
    }

    /** The head of a local response; pair it with {@link #body}. */
    public static HttpResponse head(HttpResponseStatus status, int bodyLength, boolean close) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bodyLength)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /** The text body of a local response: the status line and, if given, why. */
    public static byte[] text(HttpResponseStatus status, String why) {
        String s = status.code() + " " + status.reasonPhrase() + (why == null || why.isEmpty() ? "" : ": " + why) + "\n";
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The body as the last content of the response. */
    public static LastHttpContent body(ByteBufAllocator alloc, byte[] text) {
        ByteBuf buf = alloc.buffer(text.length);
        buf.writeBytes(text);
        return new DefaultLastHttpContent(buf);
    }

    /** A whole local response in one message. */
    public static FullHttpResponse full(ByteBufAllocator alloc, HttpResponseStatus status, String why, boolean close) {
        byte[] text = text(status, why);
        ByteBuf buf = alloc.buffer(text.length);
        buf.writeBytes(text);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }
}
