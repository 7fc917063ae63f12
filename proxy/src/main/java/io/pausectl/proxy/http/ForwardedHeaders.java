package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.List;


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
        headers.set(X_FORWARDED_FOR, forwardedFor(headers, clientIp));
        headers.set(X_FORWARDED_PROTO, HTTP);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        } else {
            headers.remove(X_FORWARDED_HOST);
        }
        addVia(headers, received);
    }

    /**
     * The fields {@link #addToRequest} sets, for a request that has a {@code Host}: each name
     * (lower case) then its value, in the order they are set, added to {@code fields}; their names
     * are added to {@code replaced} (a request's own fields of these names are replaced).
     */
    public static void requestFields(HttpHeaders headers, String clientIp, HttpVersion received,
                                     List<CharSequence> fields, List<CharSequence> replaced) {
        fields.add(X_FORWARDED_FOR);
        fields.add(forwardedFor(headers, clientIp));
        fields.add(X_FORWARDED_PROTO);
        fields.add(HTTP);
        fields.add(X_FORWARDED_HOST);
        fields.add(headers.get(HttpHeaderNames.HOST));
        fields.add(HttpHeaderNames.VIA);
        fields.add(via(headers, received));
        replaced.add(X_FORWARDED_FOR);
        replaced.add(X_FORWARDED_PROTO);
        replaced.add(X_FORWARDED_HOST);
        replaced.add(HttpHeaderNames.VIA);
    }

    /** The request's {@code X-Forwarded-For} list with {@code clientIp} appended. */
    private static String forwardedFor(HttpHeaders headers, String clientIp) {
        return headers.contains(X_FORWARDED_FOR)
                ? String.join(", ", headers.getAll(X_FORWARDED_FOR)) + ", " + clientIp
                : clientIp;
    }

    /** Appends this proxy to {@code Via}, naming the version the message was received with. */
    public static void addVia(HttpHeaders headers, HttpVersion received) {
        headers.set(HttpHeaderNames.VIA, via(headers, received));
    }

    /** {@code Via} with this proxy appended, naming the version the message was received with. */
    public static String via(HttpHeaders headers, HttpVersion received) {
        String self = received.minorVersion() == 0 && received.majorVersion() == 1 ? VIA_1_0 : VIA_1_1;
        return headers.contains(HttpHeaderNames.VIA)
                ? String.join(", ", headers.getAll(HttpHeaderNames.VIA)) + ", " + self
                : self;
    }
}
