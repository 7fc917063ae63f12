package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;

/**
 * The heads the proxy forwards, made on the received bytes ({@link ReceivedHead}): the same fields
 * removed and set as the encode path removes and sets them on the parsed head (hop-by-hop fields,
 * RFC 9110 §7.6.1, the fixed list and every {@code Connection} option; {@code Expect}; the
 * framing fields, then the proxy's own; the forwarding fields), every other line as received.
 * A head a strict parser read is edited from the line starts it kept ({@link HeadLines#relay}):
 * every field is matched on its parsed name against one set made once per direction, and no byte
 * is scanned again; any other head by {@link HeadLines#edit}, which checks each line as it goes.
 * Both give the same bytes for the same head (the strict paths' tests compare them).
 */
public final class RelayedHeads {
    /** What a request edit always drops: a name not in the head drops nothing. */
    private static final FieldNames REQUEST_DROPS;
    /** What a response edit always drops. */
    private static final FieldNames RESPONSE_DROPS;

    static {
        List<CharSequence> names = new ArrayList<>(HopByHopHeaders.FIXED_NAMES);
        names.add(HttpHeaderNames.CONTENT_LENGTH);
        names.add(HttpHeaderNames.TRANSFER_ENCODING);
        names.add(HttpHeaderNames.VIA);
        RESPONSE_DROPS = FieldNames.of(names);
        names.add(HttpHeaderNames.EXPECT);
        names.addAll(ForwardedHeaders.REPLACED);
        REQUEST_DROPS = FieldNames.of(names);
    }

    private RelayedHeads() {
    }

    /**
     * The head to send upstream for {@code request} in place of encoding it, or null (encode the
     * parsed head) when it keeps no received bytes, is not HTTP/1.1 or has no {@code Host}: its
     * hop-by-hop fields, {@code Expect} and framing fields out, {@code Content-Length} as parsed,
     * {@code Transfer-Encoding: chunked} when chunked, {@code Upgrade} and {@code Connection:
     * upgrade} for an upgrade, then {@code X-Forwarded-*} and {@code Via}
     * ({@link ForwardedHeaders#requestFields}); without the empty line that ends it.
     *
     * @param upgrade  whether the request asks to upgrade the connection (and may)
     * @param clientIp the client's address as text
     */
    public static byte[] request(HttpRequest request, boolean upgrade, String clientIp) {
        byte[] received = ReceivedHead.receivedOf(request);
        if (received == null || request.protocolVersion() != HttpVersion.HTTP_1_1) {
            return null;
        }
        HttpHeaders headers = request.headers();
        if (!headers.contains(HttpHeaderNames.HOST)) {
            return null;
        }
        CompactHttpHeaders lines = headers instanceof CompactHttpHeaders compact
                && compact.lineStartsIn(received) != null ? compact : null;
        HeadEdit edit = HeadEdit.current();
        List<CharSequence> drop = edit.drop;
        List<CharSequence> add = edit.add;
        if (lines != null) {
            HopByHopHeaders.connectionOptions(headers, drop);
        } else {
            HopByHopHeaders.namesToStrip(headers, drop);
            drop.add(HttpHeaderNames.EXPECT);
        }
        framing(headers, lines == null ? drop : null, add);
        if (HttpUtil.isTransferEncodingChunked(request)) {
            add.add(HttpHeaderNames.TRANSFER_ENCODING);
            add.add(HttpHeaderValues.CHUNKED);
        }
        if (upgrade) {
            add.add(HttpHeaderNames.UPGRADE);
            add.add(headers.get(HttpHeaderNames.UPGRADE));
            add.add(HttpHeaderNames.CONNECTION);
            add.add(HttpHeaderValues.UPGRADE);
        }
        if (lines != null) {
            ForwardedHeaders.requestFieldsOnly(headers, clientIp, HttpVersion.HTTP_1_1, add, drop, drop);
            return HeadLines.relay(received, lines, REQUEST_DROPS, drop, add);
        }
        ForwardedHeaders.requestFields(headers, clientIp, HttpVersion.HTTP_1_1, add, drop);
        return HeadLines.edit(received, drop, add, true);
    }

    /**
     * The head to send the client for {@code response} in place of encoding it, or null when it
     * keeps no received bytes: its hop-by-hop and framing fields out, {@code Content-Length} as
     * parsed, then {@code Transfer-Encoding: chunked} when {@code chunked}, {@code Connection}
     * when given, {@code Via} (this proxy appended) and {@code Server-Timing} when given; without
     * the empty line that ends it. The caller makes sure the parsed head frames the body as these
     * fields say.
     */
    public static byte[] response(HttpResponse response, boolean chunked, CharSequence connection,
                                  CharSequence serverTiming) {
        byte[] received = ReceivedHead.receivedOf(response);
        if (received == null) {
            return null;
        }
        HttpHeaders headers = response.headers();
        CompactHttpHeaders lines = headers instanceof CompactHttpHeaders compact
                && compact.lineStartsIn(received) != null ? compact : null;
        HeadEdit edit = HeadEdit.current();
        List<CharSequence> drop = edit.drop;
        List<CharSequence> add = edit.add;
        if (lines != null) {
            HopByHopHeaders.connectionOptions(headers, drop);
        } else {
            HopByHopHeaders.namesToStrip(headers, drop);
        }
        // Via as the encode path makes it: after the hop-by-hop fields are gone.
        String via = ForwardedHeaders.via(headers, response.protocolVersion(), drop);
        if (lines == null) {
            drop.add(HttpHeaderNames.VIA);
        }
        framing(headers, lines == null ? drop : null, add);
        if (chunked) {
            add.add(HttpHeaderNames.TRANSFER_ENCODING);
            add.add(HttpHeaderValues.CHUNKED);
        }
        if (connection != null) {
            add.add(HttpHeaderNames.CONNECTION);
            add.add(connection);
        }
        add.add(HttpHeaderNames.VIA);
        add.add(via);
        if (serverTiming != null) {
            add.add(SERVER_TIMING);
            add.add(serverTiming);
        }
        // Names validated: both codecs refuse whitespace in a name or before its colon.
        return lines != null ? HeadLines.relay(received, lines, RESPONSE_DROPS, drop, add)
                : HeadLines.edit(received, drop, add, true);
    }

    /** The field a released request's answer carries: how long it was held. */
    public static final AsciiString SERVER_TIMING = AsciiString.cached("server-timing");

    /**
     * The framing fields of the received bytes never go on: the proxy frames each message itself.
     * {@code Content-Length} goes on as the parser read it (one field, plain digits: the parser makes
     * one of equal repeats); {@code Transfer-Encoding} only as the caller sets it. Both are dropped
     * whatever the parsed head says, because the parser changes them as it reads: Netty removes
     * {@code chunked} from a response that has no body (to HEAD, 204, 304), and the received line
     * would otherwise reach the client (found in review).
     *
     * @param drop where to name them, or null when the caller's set of names always dropped has them
     */
    private static void framing(HttpHeaders headers, List<CharSequence> drop, List<CharSequence> add) {
        if (drop != null) {
            drop.add(HttpHeaderNames.CONTENT_LENGTH);
            drop.add(HttpHeaderNames.TRANSFER_ENCODING);
        }
        CharSequence length = headers instanceof CompactHttpHeaders compact
                ? compact.getText(HttpHeaderNames.CONTENT_LENGTH) : headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            add.add(HttpHeaderNames.CONTENT_LENGTH);
            add.add(length);
        }
    }
}
