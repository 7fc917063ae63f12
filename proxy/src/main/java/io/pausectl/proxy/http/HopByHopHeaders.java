package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Removes the headers that belong to one connection and must not be forwarded: the fixed list of
 * RFC 9110 section 7.6.1 (plus the legacy {@code Proxy-Connection} and {@code Keep-Alive}) and
 * every header named by a {@code Connection} token. Used both ways. Tokens naming
 * {@code Content-Length} or {@code Host} are ignored: dropping those would change the message's
 * framing or routing, which a {@code Connection} header must not be able to do.
 */
public final class HopByHopHeaders {
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] FIXED = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
    };

    /** The fixed hop-by-hop names: dropped wherever they are, whatever {@code Connection} says. */
    public static final List<AsciiString> FIXED_NAMES = List.of(FIXED);

    private HopByHopHeaders() {
    }

    /**
     * Strips every hop-by-hop header from {@code headers}. One pass over the (usually few) headers
     * finds which of the fixed names are there; only those are removed, so a message without any
     * costs no hash lookups at all. Many names (a {@code Connection} field may name any number)
     * are removed in one sweep of the fields against a set of them, so the work grows with the
     * head's size, not with options times fields.
     */
    public static void strip(HttpHeaders headers) {
        List<CharSequence> names = namesToStrip(headers, null);
        if (names == null) {
            return;
        }
        if (names.size() >= FieldNames.SET_FROM && headers instanceof CompactHttpHeaders compact) {
            compact.removeAll(FieldNames.of(names));
            return;
        }
        for (int i = 0; i < names.size(); i++) {
            headers.remove(names.get(i));
        }
    }

    /**
     * Adds to {@code out} the names of the hop-by-hop fields {@code headers} has: the fixed ones
     * present and every {@code Connection} token (except {@code Content-Length} and {@code Host}).
     *
     * @param out where to add them, or null to have a list made when there is any
     * @return {@code out}, or the list made; null when {@code out} was null and there is none
     */
    public static List<CharSequence> namesToStrip(HttpHeaders headers, List<CharSequence> out) {
        int present = 0;
        if (headers instanceof CompactHttpHeaders compact) {
            // By index: no iterator and no entry per field.
            for (int i = 0, n = compact.size(); i < n; i++) {
                present |= fixedIndexBit(compact.nameAt(i));
            }
        } else {
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
                present |= fixedIndexBit(it.next().getKey());
            }
        }
        if (present == 0) {
            return out;
        }
        List<CharSequence> names = out != null ? out : new ArrayList<>(4);
        if ((present & 1) != 0) {
            connectionOptions(headers, names);
        }
        for (int i = 0; i < FIXED.length; i++) {
            if ((present & (1 << i)) != 0) {
                names.add(FIXED[i]);
            }
        }
        return names;
    }

    /** The bit of {@code name} in {@link #FIXED} (bit 0 is Connection), or 0 when it is not one. */
    private static int fixedIndexBit(CharSequence name) {
        switch (name.length()) {
            case 2:
            case 7:
            case 10:
            case 16:
            case 17:
            case 18:
            case 19:
                for (int i = 0; i < FIXED.length; i++) {
                    if (FIXED[i].length() == name.length() && FIXED[i].contentEqualsIgnoreCase(name)) {
                        return 1 << i;
                    }
                }
                return 0;
            default:
                return 0;
        }
    }

    /**
     * Adds to {@code out} the options of every {@code Connection} field in order (comma-separated,
     * trimmed of whitespace, empty ones skipped), but {@code Content-Length} and {@code Host}
     * (see the class comment). Each is a view of the value where the value is an
     * {@link AsciiString} (as the strict parsers make them): no copy.
     */
    public static void connectionOptions(HttpHeaders headers, List<CharSequence> out) {
        if (headers instanceof CompactHttpHeaders compact) {
            for (int i = 0, n = compact.size(); i < n; i++) {
                CharSequence name = compact.nameAt(i);
                if (name.length() == 10 && HeadBytes.sameIgnoringCase(name, HttpHeaderNames.CONNECTION)) {
                    options(compact.valueAt(i), out);
                }
            }
            return;
        }
        for (Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.CONNECTION); it.hasNext(); ) {
            options(it.next(), out);
        }
    }

    private static void options(CharSequence value, List<CharSequence> out) {
        int length = value.length();
        int start = 0;
        while (start <= length) {
            int end = start;
            while (end < length && value.charAt(end) != ',') {
                end++;
            }
            int from = start;
            int to = end;
            // As String.trim: every char up to SP is whitespace here.
            while (from < to && value.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && value.charAt(to - 1) <= ' ') {
                to--;
            }
            if (from < to) {
                CharSequence option = value instanceof AsciiString ascii ? ascii.subSequence(from, to, false)
                        : value.subSequence(from, to);
                if (!HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(option)
                        && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(option)) {
                    out.add(option);
                }
            }
            start = end + 1;
        }
    }

    /** Whether a {@code Connection} header names {@code token} (case-insensitive). */
    public static boolean connectionHas(HttpHeaders headers, AsciiString token) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, token, true);
    }
}
