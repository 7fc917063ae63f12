package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;


/**
 * The headers a reverse proxy adds so that the origin knows the client: {@code X-Forwarded-For}
 * (the client address appended to any list the request already carries), {@code X-Forwarded-Proto}
 * and {@code X-Forwarded-Host} (overwritten: this listener is plain HTTP and the client's Host is
 * what it asked for, whatever a client claims), and {@code Via} (appended, both ways).
 */
public final class ForwardedHeaders {
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString HTTP = AsciiString.cached("http");
    /** How this proxy names itself in {@code Via}. */
    public static final String PSEUDONYM = "pause-proxy";
    private static final String VIA_1_1 = "1.1 " + PSEUDONYM;
    private static final String VIA_1_0 = "1.0 " + PSEUDONYM;

    private ForwardedHeaders() {
    }

    /**
     * Adds the forwarding headers to a request about to go upstream.
     *
     * @param clientIp the client's address as text
     * @param received the protocol version the request arrived with
     */
    public static void addToRequest(HttpHeaders headers, String clientIp, HttpVersion received) {
        if (!headers.contains(X_FORWARDED_FOR)) {
            headers.set(X_FORWARDED_FOR, clientIp);
        } else {
            headers.set(X_FORWARDED_FOR, String.join(", ", headers.getAll(X_FORWARDED_FOR)) + ", " + clientIp);
        }
        headers.set(X_FORWARDED_PROTO, HTTP);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        } else {
            headers.remove(X_FORWARDED_HOST);
        }
        addVia(headers, received);
    }

    /** Appends this proxy to {@code Via}, naming the version the message was received with. */
    public static void addVia(HttpHeaders headers, HttpVersion received) {
        String self = received.minorVersion() == 0 && received.majorVersion() == 1 ? VIA_1_0 : VIA_1_1;
        if (!headers.contains(HttpHeaderNames.VIA)) {
            headers.set(HttpHeaderNames.VIA, self);
        } else {
            headers.set(HttpHeaderNames.VIA, String.join(", ", headers.getAll(HttpHeaderNames.VIA)) + ", " + self);
        }
    }
}
