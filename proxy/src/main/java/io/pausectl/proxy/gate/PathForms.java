package io.pausectl.proxy.gate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paths an origin may reasonably take a request path for, so that a scoped pause holds a
 * request when any of them is in scope ("hold when in doubt"), and a bypass lets a request through
 * only when all of them are bypassed. The forms of a path are:
 * <ol>
 *   <li>the path as received (an origin that normalises nothing);</li>
 *   <li>its RFC 3986 §6.2.2 normal form: percent-escapes of unreserved characters decoded, the
 *       other escapes' hex digits upper case, a {@code %} that starts no escape written
 *       {@code %25}, dot segments removed (§5.2.4);</li>
 *   <li>that with repeated slashes merged, before or after the dot segments go (nginx's
 *       {@code merge_slashes}, Envoy's {@code merge_slashes});</li>
 *   <li>a loose form: every escape decoded, repeatedly (origins that decode {@code %2F} or decode
 *       twice), backslashes read as slashes, {@code ;parameters} cut from each segment (servlet
 *       containers), then slashes merged and dot segments removed.</li>
 * </ol>
 * A path with no {@code %}, {@code ;}, backslash, {@code //} or {@code /.} has one form, itself,
 * and costs nothing.
 *
 * <p>Letter case: paths are case-sensitive (RFC 3986 §6.2.2.1 lowers only the scheme, host and
 * escapes' hex digits), but some origins route without it (Express's router by default, IIS), so
 * {@link #anyUnder} (is any reading in scope?) compares prefixes without letter case, and
 * {@link #allUnder} (is every reading bypassed?) with it: both err towards holding.
 */
final class PathForms {
    private static final String[] NONE = new String[0];

    private PathForms() {
    }

    /** Whether the path reads the same under every interpretation. */
    static boolean plain(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' || c == ';' || c == '\\') {
                return false;
            }
            if (c == '/' && i + 1 < path.length() && (path.charAt(i + 1) == '/' || path.charAt(i + 1) == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The distinct forms of {@code path}, the path itself first. */
    static String[] of(String path) {
        if (plain(path)) {
            return new String[] {path};
        }
        String unreserved = decodeUnreserved(path);
        String normal = removeDotSegments(unreserved);
        return distinct(path, normal, mergeSlashes(normal), removeDotSegments(mergeSlashes(unreserved)), loose(path));
    }

    /** The RFC 3986 normal form with slashes merged: how a configured prefix is compared. */
    static String canonical(String path) {
        return plain(path) ? path : removeDotSegments(mergeSlashes(decodeUnreserved(path)));
    }

    /** The forms a configured prefix is compared by: as given, canonical, loose. */
    static String[] ofPrefix(String prefix) {
        return plain(prefix) ? new String[] {prefix} : distinct(prefix, canonical(prefix), loose(prefix));
    }

    /** Whether any form of {@code path} starts with any of the prefix forms, letter case aside. */
    static boolean anyUnder(String path, String[] prefixForms) {
        if (prefixForms.length == 0) {
            return false;
        }
        if (plain(path)) {
            return under(path, prefixForms);
        }
        for (String form : of(path)) {
            if (under(form, prefixForms)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every form of {@code path} starts with one of the prefix forms, letter case included. */
    static boolean allUnder(String path, List<String> prefixForms) {
        if (prefixForms.isEmpty()) {
            return false;
        }
        if (plain(path)) {
            return under(path, prefixForms);
        }
        for (String form : of(path)) {
            if (!under(form, prefixForms)) {
                return false;
            }
        }
        return true;
    }

    /** All forms of all prefixes, distinct. */
    static String[] prefixForms(List<String> prefixes) {
        List<String> all = new ArrayList<>();
        for (String p : prefixes) {
            for (String f : ofPrefix(p)) {
                if (!all.contains(f)) {
                    all.add(f);
                }
            }
        }
        return all.isEmpty() ? NONE : all.toArray(String[]::new);
    }

    private static boolean under(String path, String[] prefixForms) {
        for (String p : prefixForms) {
            if (path.regionMatches(true, 0, p, 0, p.length())) {
                return true;
            }
        }
        return false;
    }

    private static boolean under(String path, List<String> prefixForms) {
        for (int i = 0; i < prefixForms.size(); i++) {
            if (path.startsWith(prefixForms.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static String[] distinct(String... forms) {
        int n = 0;
        String[] out = new String[forms.length];
        for (String f : forms) {
            boolean seen = false;
            for (int i = 0; i < n && !seen; i++) {
                seen = out[i].equals(f);
            }
            if (!seen) {
                out[n++] = f;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** RFC 3986 §6.2.2.1–2: unreserved characters decoded, other escapes upper case. */
    static String decodeUnreserved(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            int v = c == '%' ? escaped(path, i) : -1;
            if (c == '%' && v < 0) {
                // A '%' that starts no escape stands for itself: written %25, so that what follows
                // can never join it into a new escape (and the form is a fixed point).
                b.append("%25");
            } else if (v < 0) {
                b.append(c);
            } else if (unreserved((char) v)) {
                b.append((char) v);
                i += 2;
            } else {
                b.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
                i += 2;
            }
        }
        return b.toString();
    }

    /** The loose form: see the class comment. */
    static String loose(String path) {
        String p = path;
        // Decode until nothing changes; four rounds undo any encoding an origin would undo.
        for (int round = 0; round < 4 && p.indexOf('%') >= 0; round++) {
            String d = decodeAll(p);
            if (d.equals(p)) {
                break;
            }
            p = d;
        }
        p = p.replace('\\', '/');
        if (p.indexOf(';') >= 0) {
            StringBuilder b = new StringBuilder(p.length());
            boolean inParams = false;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == '/') {
                    inParams = false;
                } else if (c == ';') {
                    inParams = true;
                }
                if (!inParams) {
                    b.append(c);
                }
            }
            p = b.toString();
        }
        return removeDotSegments(mergeSlashes(p));
    }

    private static String decodeAll(String path) {
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            int v = c == '%' ? escaped(path, i) : -1;
            if (v < 0) {
                b.append(c);
            } else {
                b.append((char) v);
                i += 2;
            }
        }
        return b.toString();
    }

    /** The byte escaped at {@code i} ({@code %XY}), or -1 when there is no valid escape there. */
    private static int escaped(String s, int i) {
        if (i + 2 >= s.length()) {
            return -1;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        return hi < 0 || lo < 0 || s.charAt(i + 1) > 0x7f || s.charAt(i + 2) > 0x7f ? -1 : hi << 4 | lo;
    }

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                || c == '~';
    }

    static String mergeSlashes(String path) {
        if (!path.contains("//")) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || b.length() == 0 || b.charAt(b.length() - 1) != '/') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** RFC 3986 §5.2.4 for an absolute path; other paths (such as {@code *}) are kept. */
    static String removeDotSegments(String path) {
        if (!path.startsWith("/") || !path.contains("/.")) {
            return path;
        }
        String[] segments = path.split("/", -1);
        List<String> out = new ArrayList<>(segments.length);
        int last = segments.length - 1;
        for (int i = 1; i <= last; i++) {
            String s = segments[i];
            if (s.equals(".") || s.equals("..")) {
                if (s.equals("..") && !out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                if (i == last) {
                    out.add("");
                }
            } else {
                out.add(s);
            }
        }
        return "/" + String.join("/", out);
    }
}
