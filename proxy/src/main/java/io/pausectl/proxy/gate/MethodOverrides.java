package io.pausectl.proxy.gate;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.pausectl.proxy.http.RequestTargets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The methods an origin may act on for a request other than its own: method overrides, read so
 * that a method scope holds when in doubt. A method scope holds a request when its method, or any
 * of these, is in scope.
 * <ul>
 *   <li>the headers {@code X-HTTP-Method-Override} (Google APIs, Rack, Express's method-override),
 *       {@code X-HTTP-Method} (OData, Microsoft) and {@code X-Method-Override}, in any letter case
 *       and with {@code _} for {@code -} (CGI, Rack and PHP read {@code X_HTTP_METHOD_OVERRIDE} as the
 *       same variable), every field line and every comma-separated value;</li>
 *   <li>the query parameter {@code _method} (Express's method-override with a query getter, Symfony
 *       and Laravel, Rails routes with {@code ?_method=}), its name and values percent-decoded, in
 *       any letter case, {@code &} or {@code ;} separated;</li>
 *   <li>a {@code POST} with a body: any method ({@link #ANY}). Its body may carry {@code _method}
 *       (Rails/Rack and Symfony read it from a form, Laravel from a form or JSON), and the proxy
 *       never reads a body before forwarding it, least of all a held one.</li>
 * </ul>
 * Only read when a pause or maintenance window has a method scope, so pass-through pays nothing.
 */
final class MethodOverrides {
    /** No method but the request's own. */
    static final String[] NONE = new String[0];
    /** Any method at all: a POST whose body may name one. */
    static final String[] ANY = {"*"};

    private static final String PARAMETER = "_method";

    private MethodOverrides() {
    }

    /**
     * The override methods of {@code request}, upper case, each at most once; {@link #NONE} when it
     * has none, {@link #ANY} when its body may name any.
     *
     * @param request the head as it goes upstream (hop-by-hop headers already removed: a header the
     *                origin never sees overrides nothing); null for none
     */
    static String[] of(HttpRequest request) {
        if (request == null) {
            return NONE;
        }
        HttpHeaders headers = request.headers();
        if ("POST".equalsIgnoreCase(request.method().name())
                && (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || contentLength(headers) != 0)) {
            return ANY;
        }
        List<String> found = null;
        for (Map.Entry<CharSequence, CharSequence> h : (Iterable<Map.Entry<CharSequence, CharSequence>>)
                headers::iteratorCharSequence) {
            if (isOverrideHeader(h.getKey())) {
                found = addValues(found, h.getValue().toString());
            }
        }
        String uri = request.uri();
        int query = uri.indexOf('?');
        if (query >= 0) {
            found = addQueryValues(found, uri, query + 1);
        }
        return found == null ? NONE : found.toArray(String[]::new);
    }

    /** Content-Length as a number: -1 when absent, 1 when not a number (a body, when in doubt). */
    private static long contentLength(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** {@code X-HTTP-Method-Override}, {@code X-HTTP-Method}, {@code X-Method-Override}, any case, {@code _} or {@code -}. */
    static boolean isOverrideHeader(CharSequence name) {
        int n = name.length();
        if (n != 13 && n != 17 && n != 22) {
            return false;
        }
        String canonical = name.toString().toLowerCase(Locale.ROOT).replace('_', '-');
        return canonical.equals("x-http-method-override") || canonical.equals("x-http-method")
                || canonical.equals("x-method-override");
    }

    private static List<String> addValues(List<String> found, String value) {
        for (String v : value.split(",")) {
            found = add(found, v);
        }
        return found;
    }

    private static List<String> addQueryValues(List<String> found, String uri, int from) {
        int end = uri.indexOf('#', from);
        end = end < 0 ? uri.length() : end;
        int start = from;
        while (start <= end) {
            int stop = start;
            while (stop < end && uri.charAt(stop) != '&' && uri.charAt(stop) != ';') {
                stop++;
            }
            String pair = uri.substring(start, stop);
            int eq = pair.indexOf('=');
            if (eq > 0 && decode(pair.substring(0, eq)).equalsIgnoreCase(PARAMETER)) {
                found = addValues(found, decode(pair.substring(eq + 1)));
            }
            start = stop + 1;
        }
        return found;
    }

    /** Percent-escapes and {@code +} decoded as an origin's form decoder would; bad escapes kept. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.append(' ');
            } else if (c == '%' && i + 2 < s.length() && RequestTargets.hexValue(s.charAt(i + 1)) >= 0 && RequestTargets.hexValue(s.charAt(i + 2)) >= 0) {
                out.append((char) (RequestTargets.hexValue(s.charAt(i + 1)) * 16 + RequestTargets.hexValue(s.charAt(i + 2))));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static List<String> add(List<String> found, String value) {
        String m = value.trim().toUpperCase(Locale.ROOT);
        if (m.isEmpty()) {
            return found;
        }
        List<String> list = found == null ? new ArrayList<>(2) : found;
        if (!list.contains(m)) {
            list.add(m);
        }
        return list;
    }
}
