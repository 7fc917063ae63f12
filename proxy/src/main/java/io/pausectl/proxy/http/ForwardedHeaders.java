package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;


/**
 * The headers a reverse proxy adds so that the origin knows the client: {@code X-Forwarded-For}
 * (the client address appended to any list the request already carries), {@code X-Forwarded-Proto}
 * and {@code X-Forwarded-Host} (overwritten: this listener is plain HTTP and the client's Host is
 * what it asked for, whatever a client claims), and {@code Via} (appended, both ways).
 *
 * <p>What a client sends that an origin could read as the proxy's word is dropped:
 * <ul>
 *   <li>{@code Forwarded} (RFC 7239). A proxy may append its own element to it, but an origin that
 *       reads it (Spring's {@code ForwardedHeaderFilter}, for one) takes the host and protocol
 *       from the first element, which the client wrote: {@code Forwarded: for=6.6.6.6;host=evil;
 *       proto=https} would stay first whatever the proxy appends, and RFC 7239 §8.1 says the field
 *       cannot be relied on since every node, the client included, may write it. This proxy
 *       overwrites {@code X-Forwarded-Proto} and {@code -Host} for that reason, so it drops
 *       {@code Forwarded} for the same one, and the origin has one account of the request, the
 *       proxy's {@code X-Forwarded-*}, instead of two that disagree.</li>
 *   <li>Names that are one of the {@code X-Forwarded-*} names once {@code _} is read as {@code -}
 *       ({@code X_Forwarded_Host}, {@code x-forwarded_for}): CGI, PHP and WSGI servers name both
 *       spellings {@code HTTP_X_FORWARDED_HOST}, so such a field stands in for the one the proxy
 *       set. nginx drops every name with an underscore by default ({@code underscores_in_headers
 *       off}); only these are dropped here.</li>
 * </ul>
 * A field that the request's {@code Connection} names is hop-by-hop and never goes on (RFC 9110
 * §7.6.1): a client's {@code X-Forwarded-For} or {@code Via} named there is not extended, on
 * either path a head takes (edited on its bytes, {@link #requestFields}, or encoded again,
 * {@link #addToRequest} after {@link HopByHopHeaders#strip}).
 */
public final class ForwardedHeaders {
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    /** RFC 7239's field, dropped from requests (see the class comment). */
    public static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString HTTP = AsciiString.cached("http");
    /** How this proxy names itself in {@code Via}. */
    public static final String PSEUDONYM = "pause-proxy";
    private static final String VIA_1_1 = "1.1 " + PSEUDONYM;
    private static final String VIA_1_0 = "1.0 " + PSEUDONYM;

    private ForwardedHeaders() {
    }

    /**
     * Adds the forwarding headers to a request about to go upstream, after its hop-by-hop fields
     * were stripped, and drops {@code Forwarded} and the look-alikes of the ones it sets.
     *
     * @param clientIp the client's address as text
     * @param received the protocol version the request arrived with
     */
    public static void addToRequest(HttpHeaders headers, String clientIp, HttpVersion received) {
        List<CharSequence> lookAlikes = lookAlikes(headers, null);
        if (lookAlikes != null) {
            for (int i = 0; i < lookAlikes.size(); i++) {
                headers.remove(lookAlikes.get(i));
            }
        }
        headers.remove(FORWARDED);
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
     * (lower case) then its value, in the order they are set, added to {@code fields}; the names
     * of the request's own fields they replace, {@code Forwarded} and the look-alikes present are
     * added to {@code replaced}.
     *
     * @param replaced on entry, the names the edit already drops as hop-by-hop
     *                 ({@link HopByHopHeaders#namesToStrip}): a client's {@code X-Forwarded-For}
     *                 or {@code Via} named there is not extended, as on the encode path
     */
    public static void requestFields(HttpHeaders headers, String clientIp, HttpVersion received,
                                     List<CharSequence> fields, List<CharSequence> replaced) {
        addRequestFields(headers, clientIp, received, fields, replaced);
        replaced.addAll(REPLACED);
        lookAlikes(headers, replaced);
    }

    /** The names {@link #requestFields} always adds to its {@code replaced}, in order. */
    public static final List<AsciiString> REPLACED = List.of(X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST,
            HttpHeaderNames.VIA, FORWARDED);

    /**
     * {@link #requestFields}'s fields alone: added to {@code fields}, with the look-alikes present
     * added to {@code lookAlikes}; the names in {@link #REPLACED} are the caller's to drop.
     *
     * @param hopByHop the request's hop-by-hop names ({@code Connection} options at least)
     */
    public static void requestFieldsOnly(HttpHeaders headers, String clientIp, HttpVersion received,
                                         List<CharSequence> fields, List<? extends CharSequence> hopByHop,
                                         List<CharSequence> lookAlikes) {
        addRequestFields(headers, clientIp, received, fields, hopByHop);
        lookAlikes(headers, lookAlikes);
    }

    private static void addRequestFields(HttpHeaders headers, String clientIp, HttpVersion received,
                                         List<CharSequence> fields, List<? extends CharSequence> hopByHop) {
        boolean forHopByHop = named(hopByHop, X_FORWARDED_FOR);
        boolean viaHopByHop = named(hopByHop, HttpHeaderNames.VIA);
        fields.add(X_FORWARDED_FOR);
        fields.add(forHopByHop ? clientIp : forwardedFor(headers, clientIp));
        fields.add(X_FORWARDED_PROTO);
        fields.add(HTTP);
        fields.add(X_FORWARDED_HOST);
        // A view of the received bytes stays one: the edit copies its bytes.
        fields.add(headers instanceof CompactHttpHeaders compact ? compact.getText(HttpHeaderNames.HOST)
                : headers.get(HttpHeaderNames.HOST));
        fields.add(HttpHeaderNames.VIA);
        fields.add(viaHopByHop ? self(received) : via(headers, received));
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
        return headers.contains(HttpHeaderNames.VIA)
                ? String.join(", ", headers.getAll(HttpHeaderNames.VIA)) + ", " + self(received)
                : self(received);
    }

    /**
     * {@link #via(HttpHeaders, HttpVersion)} for a head whose hop-by-hop fields are
     * {@code hopByHop} (names, any case): when {@code Via} is one of them, only this proxy's.
     */
    public static String via(HttpHeaders headers, HttpVersion received, List<? extends CharSequence> hopByHop) {
        return named(hopByHop, HttpHeaderNames.VIA) ? self(received) : via(headers, received);
    }

    private static String self(HttpVersion received) {
        return received.minorVersion() == 0 && received.majorVersion() == 1 ? VIA_1_0 : VIA_1_1;
    }

    private static boolean named(List<? extends CharSequence> names, AsciiString name) {
        for (int i = 0; i < names.size(); i++) {
            if (name.contentEqualsIgnoreCase(names.get(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds to {@code out} (made when null and needed) the names in {@code headers} that are an
     * {@code X-Forwarded-*} name once {@code _} is read as {@code -}, with at least one {@code _}.
     * One pass over the names, comparing only those of the right lengths.
     */
    private static List<CharSequence> lookAlikes(HttpHeaders headers, List<CharSequence> out) {
        if (headers instanceof CompactHttpHeaders compact) {
            // By index: no iterator and no entry per field.
            for (int i = 0, n = compact.size(); i < n; i++) {
                out = lookAlike(compact.nameAt(i), out);
            }
            return out;
        }
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            out = lookAlike(it.next().getKey(), out);
        }
        return out;
    }

    /** {@code out} with {@code name} added (made when null) when it is a look-alike. */
    private static List<CharSequence> lookAlike(CharSequence name, List<CharSequence> out) {
        int length = name.length();
        if (length == 15 && isLookAlike(name, X_FORWARDED_FOR)
                || length == 16 && isLookAlike(name, X_FORWARDED_HOST)
                || length == 17 && isLookAlike(name, X_FORWARDED_PROTO)) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            out.add(name);
        }
        return out;
    }

    /** {@code name} is {@code forwarding} (lower case, same length) with some '-' written '_'. */
    private static boolean isLookAlike(CharSequence name, AsciiString forwarding) {
        boolean underscore = false;
        for (int i = 0; i < forwarding.length(); i++) {
            char c = name.charAt(i);
            char f = (char) forwarding.byteAt(i);
            if (c == '_' && f == '-') {
                underscore = true;
            } else if (c != f && (c < 'A' || c > 'Z' || c + 32 != f)) {
                return false;
            }
        }
        return underscore;
    }
}
