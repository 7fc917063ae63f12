package io.pausectl.proxy.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * The syntax a request-target and a {@code Host} value must have before the proxy forwards them:
 * RFC 9112 §3.2 (the four forms of request-target) and RFC 3986 §3 (what each part may hold).
 * What an origin could read in more than one way is refused rather than guessed at.
 *
 * <p>A target is one of
 * <ul>
 *   <li>origin-form {@code /path[?query]}: the path holds no backslash, no malformed or NUL
 *       percent-escape;</li>
 *   <li>absolute-form {@code http[s]://host[:port][/path][?query]} with a valid, non-empty host and
 *       no userinfo (RFC 9110 §4.2.1 and §4.2.4);</li>
 *   <li>asterisk-form {@code *}, for {@code OPTIONS} only.</li>
 * </ul>
 * Authority-form is for {@code CONNECT} only, which this proxy refuses elsewhere. No target holds a
 * control character (0x00–0x1F, 0x7F), a space or a fragment ({@code #}).
 *
 * <p>Bytes over 0x7F in the path or query (raw UTF-8, as curl and many API clients send it) are
 * not valid RFC 3986 but are unambiguous: they are forwarded byte for byte, as nginx does, since
 * refusing them would fail requests that work without the proxy. In a host they are refused.
 */
public final class RequestTargets {
    private RequestTargets() {
    }

    /**
     * Why a request-target is refused, or null when it is well formed.
     *
     * @param method the request's method
     * @param target the request-target as received
     * @return one line fit for a 400 answer, or null
     */
    public static String targetProblem(HttpMethod method, String target) {
        if (target.isEmpty()) {
            return "empty request-target";
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return "control character 0x" + hex(c) + " in the request-target";
            }
            if (c == '#') {
                return "fragment in the request-target";
            }
        }
        char first = target.charAt(0);
        if (first == '/') {
            return pathProblem(target, 0);
        }
        if (target.equals("*")) {
            return HttpMethod.OPTIONS.equals(method) ? null : "asterisk-form request-target is only for OPTIONS";
        }
        int colonSlashSlash = target.indexOf("://");
        if (colonSlashSlash < 0) {
            return "request-target must be origin-form (/path) or absolute-form (http://host/path)";
        }
        String scheme = target.substring(0, colonSlashSlash);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return "absolute-form request-target must be http or https";
        }
        int start = colonSlashSlash + 3;
        int end = start;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        String authority = target.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            return "userinfo in the request-target";
        }
        if (authority.isEmpty() || authority.charAt(0) == ':') {
            return "absolute-form request-target without a host";
        }
        String host = hostProblem(authority);
        if (host != null) {
            return "in the request-target: " + host;
        }
        return pathProblem(target, end);
    }

    /** Checks the path from {@code start} up to the query. */
    private static String pathProblem(String target, int start) {
        for (int i = start; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?') {
                return null;
            }
            if (c == '\\') {
                return "backslash in the request path";
            }
            if (c == '%') {
                if (i + 2 >= target.length() || hexValue(target.charAt(i + 1)) < 0 || hexValue(target.charAt(i + 2)) < 0) {
                    return "malformed percent-encoding in the request path";
                }
                if (target.charAt(i + 1) == '0' && target.charAt(i + 2) == '0') {
                    return "encoded NUL in the request path";
                }
                i += 2;
            }
        }
        return null;
    }

    /**
     * Why a {@code Host} value ({@code uri-host [":" port]}, RFC 9112 §3.2 and RFC 3986 §3.2.2) is
     * refused, or null when it is well formed. An empty value is allowed (a target without an
     * authority). A host name is labels of letters, digits, {@code -}, {@code _} and {@code ~}
     * separated by single dots, with at most one trailing dot; an IP literal is an IPv6 address in
     * brackets; a port is at most 65535. Percent-escapes and sub-delimiters, which RFC 3986 allows
     * in a registered name but origins read differently, are refused.
     *
     * @return one line fit for a 400 answer, or null
     */
    public static String hostProblem(CharSequence value) {
        if (value.length() == 0) {
            return null;
        }
        if (value.length() > 261) {
            return "Host too long";
        }
        int hostEnd;
        if (value.charAt(0) == '[') {
            int close = indexOf(value, ']');
            if (close < 0) {
                return "Host '" + printable(value.toString()) + "': IP literal without ']'";
            }
            int colons = 0;
            for (int i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (c == ':') {
                    colons++;
                } else if (c != '.' && hexValue(c) < 0) {
                    return "Host '" + printable(value.toString()) + "': not an IPv6 address";
                }
            }
            if (colons < 2 || close == 1) {
                return "Host '" + printable(value.toString()) + "': not an IPv6 address";
            }
            hostEnd = close + 1;
            if (hostEnd < value.length() && value.charAt(hostEnd) != ':') {
                return "Host '" + printable(value.toString()) + "': text after the IP literal";
            }
        } else {
            hostEnd = indexOf(value, ':');
            if (hostEnd < 0) {
                hostEnd = value.length();
            }
            String why = regNameProblem(value, hostEnd);
            if (why != null) {
                return "Host '" + printable(value.toString()) + "': " + why;
            }
        }
        if (hostEnd < value.length()) {
            // ":" port, where port = *DIGIT (an empty port is allowed by RFC 3986).
            int digits = value.length() - hostEnd - 1;
            if (digits > 5) {
                return "Host '" + printable(value.toString()) + "': port out of range";
            }
            int port = 0;
            for (int i = hostEnd + 1; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < '0' || c > '9') {
                    return "Host '" + printable(value.toString()) + "': port is not a number";
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                return "Host '" + printable(value.toString()) + "': port out of range";
            }
        }
        return null;
    }

    private static int indexOf(CharSequence text, char c) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static String regNameProblem(CharSequence value, int end) {
        if (end == 0) {
            return "no host";
        }
        boolean labelStart = true;
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (c == '.') {
                if (labelStart) {
                    return "empty label";
                }
                labelStart = true;
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '~') {
                labelStart = false;
            } else {
                return "character '" + printable(String.valueOf(c)) + "' not allowed in a host name";
            }
        }
        return null;
    }

    /**
     * The value of one hexadecimal digit of a percent-encoding (RFC 3986 §2.1), either case.
     *
     * @return 0–15, or -1 when {@code c} is not a hexadecimal digit
     */
    public static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String hex(char c) {
        return String.format("%02X", (int) c);
    }

    /** The value, shortened to 80 characters, escaped as by {@link #escape}. */
    static String printable(String s) {
        String out = escape(s);
        return out.length() > 80 ? out.substring(0, 80) + "…" : out;
    }

    /**
     * The value with every character outside printable ASCII as {@code \xNN}, so that what a
     * client sent can never break or forge a log line.
     */
    public static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append("\\x").append(hex(c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
