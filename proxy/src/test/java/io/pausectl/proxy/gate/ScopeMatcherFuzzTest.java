package io.pausectl.proxy.gate;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pausectl.api.Scope;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes scope matching for "hold when in doubt": a path under {@code /orders}, re-spelled by
 * fuzzer-chosen steps an origin undoes (escaping a character in either hex case, {@code /./},
 * {@code //}, {@code /x/../}, an encoded slash, an escaped escape, {@code ;params}, another letter
 * case), is always in
 * scope and never bypassed; and any path at all is matched without error, its canonical form
 * being stable. Seeds: the spellings of issue 10, in {@code ScopeMatcherFuzzTestInputs/}.
 *
 * <p>Method overrides too: any override text is matched without error, and a GET whose
 * override names DELETE, spelled by fuzzer-chosen steps (which header or the {@code _method}
 * query parameter, the name's letter case and {@code _} for {@code -}, the value's letter case, a
 * method before it in a list, percent-escapes in the query), is held by a scope of DELETE.
 *
 * <p>Input: the bytes before the first NUL are a path (tried raw, and as the tail of the
 * {@code /orders} path to re-spell) and an override value; the bytes after it choose the
 * re-spelling steps and the override's spelling.
 */
class ScopeMatcherFuzzTest {
    private static final ScopeMatcher ORDERS = ScopeMatcher.of(new Scope(List.of(), List.of("/orders"), List.of()));
    private static final ScopeMatcher DELETES = ScopeMatcher.of(new Scope(List.of("DELETE"), List.of(), List.of()));
    private static final String[] OVERRIDE_HEADERS = {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"};
    private static final GateSettings BYPASS_HEALTH = new GateSettings(1, 1, java.time.Duration.ofSeconds(1),
            java.time.Duration.ofSeconds(1), 1, 0, List.of("/healthz"));

    @FuzzTest(maxDuration = "10s")
    void anInScopePathSpelledAnotherWayIsStillHeld(byte[] input) {
        int nul = 0;
        while (nul < input.length && input[nul] != 0) {
            nul++;
        }
        String raw = new String(input, 0, nul, StandardCharsets.ISO_8859_1);

        // Any path: no error, and the canonical form is a fixed point.
        String any = raw.startsWith("/") ? raw : "/" + raw;
        ORDERS.matches(request(any));
        BYPASS_HEALTH.bypasses(any);
        String canonical = PathForms.canonical(any);
        assertThat(PathForms.canonical(canonical)).as(any).isEqualTo(canonical);
        if (canonical.startsWith("/orders")) {
            assertThat(ORDERS.matches(request(any))).as(any).isTrue();
        }

        // A path under /orders, re-spelled: still in scope, and never a bypass.
        String path = "/orders/" + tail(raw);
        for (int i = nul + 1; i + 1 < input.length; i += 2) {
            path = respell(path, input[i] & 0xff, input[i + 1] & 0xff);
        }
        assertThat(ORDERS.matches(request(path))).as(path).isTrue();
        String viaHealth = "/healthz/.." + path;
        assertThat(BYPASS_HEALTH.bypasses(viaHealth)).as(viaHealth).isFalse();

        // Any override text: no error. A DELETE override, spelled another way: held.
        DELETES.matches(withHead("GET", "/orders?" + target(raw), "X-HTTP-Method-Override", raw));
        DELETES.matches(withHead("GET", "/orders?_method=" + target(raw), "X-Other", raw));
        long bits = 0;
        for (int i = nul + 1; i < input.length && i < nul + 9; i++) {
            bits = bits << 8 | (input[i] & 0xff);
        }
        GatedRequest override = deleteOverride(bits);
        assertThat(DELETES.matches(override)).as(override.head().uri() + " " + override.head().headers()).isTrue();
    }

    /** The raw bytes as a request-target can hold them: no whitespace or control byte (the validator refuses those). */
    private static String target(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            b.append(c <= ' ' || c == 0x7f ? '_' : c);
        }
        return b.toString();
    }

    /** A GET asking for DELETE, spelled as {@code bits} choose. */
    private static GatedRequest deleteOverride(long bits) {
        int form = (int) (bits & 3);
        bits >>>= 2;
        StringBuilder value = new StringBuilder((bits & 1) != 0 ? "GET, " : "");
        bits >>>= 1;
        for (char c : "delete".toCharArray()) {
            value.append((bits & 1) != 0 ? Character.toUpperCase(c) : c);
            bits >>>= 1;
        }
        if (form == 3) {
            StringBuilder query = new StringBuilder("/orders?a=1").append((bits & 1) != 0 ? ';' : '&');
            bits >>>= 1;
            for (char c : ("_method=" + value.toString().replace(' ', '+')).toCharArray()) {
                if ((bits & 1) != 0 && c != '=' && c != '+') {
                    query.append(String.format((bits & 2) != 0 ? "%%%02X" : "%%%02x", (int) c));
                } else {
                    query.append(c);
                }
                bits >>>= 2;
            }
            return withHead("GET", query.toString(), "X-Other", "1");
        }
        StringBuilder name = new StringBuilder();
        for (char c : OVERRIDE_HEADERS[form].toCharArray()) {
            char d = c == '-' && (bits & 1) != 0 ? '_' : (bits & 1) != 0 ? Character.toLowerCase(c) : c;
            name.append(d);
            bits >>>= 1;
        }
        return withHead("GET", "/orders", name.toString(), value.toString());
    }

    private static GatedRequest withHead(String method, String uri, String header, String value) {
        io.netty.handler.codec.http.HttpRequest head = new io.netty.handler.codec.http.DefaultHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.valueOf(method),
                uri, new io.netty.handler.codec.http.DefaultHttpHeaders(false));
        head.headers().add(header, value);
        return new GatedRequest(null, method, "/orders", "app.test", 0) {
            @Override
            protected io.netty.handler.codec.http.HttpRequest head() {
                return head;
            }

            @Override
            protected void onRelease(long heldNanos) {
            }

            @Override
            protected void onRefuse(Refusal why) {
            }
        };
    }

    /** The raw bytes as plain segments: unreserved characters only, no dot segments. */
    private static String tail(String raw) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < raw.length() && b.length() < 64; i++) {
            char c = raw.charAt(i);
            if (c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '~') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** One re-spelling step at a position chosen by {@code where}. */
    private static String respell(String path, int op, int where) {
        if (path.length() > 512) {
            return path;
        }
        int at = where % path.length();
        char c = path.charAt(at);
        if (at > 0 && path.charAt(at - 1) == '%' || at > 1 && path.charAt(at - 2) == '%') {
            // Inside an escape: escaping its digits nests escapes deeper than any origin decodes.
            return path;
        }
        switch (op % 9) {
            case 0: // escape an unreserved character, upper-case hex
            case 1: // ... lower-case hex
                if (unreserved(c)) {
                    String hex = String.format(op % 9 == 0 ? "%%%02X" : "%%%02x", (int) c);
                    return path.substring(0, at) + hex + path.substring(at + 1);
                }
                return path;
            case 2:
                return c == '/' ? path.substring(0, at) + "/./" + path.substring(at + 1) : path;
            case 3:
                return c == '/' ? path.substring(0, at) + "//" + path.substring(at + 1) : path;
            case 4:
                return c == '/' ? path.substring(0, at) + "/x" + where + "/../" + path.substring(at + 1) : path;
            case 5: // an encoded slash after a slash: "//" to an origin that decodes it
                return c == '/' ? path.substring(0, at) + "/%2F" + path.substring(at + 1) : path;
            case 7: // another letter case: an origin that routes without it (Express, IIS) reads the same path
                return Character.isLetter(c) ? path.substring(0, at) + (Character.isUpperCase(c)
                        ? Character.toLowerCase(c) : Character.toUpperCase(c)) + path.substring(at + 1) : path;
            case 6: // escape the '%' of an escape, once: read as the escape by an origin that decodes twice
                return c == '%' && !path.contains("%25") ? path.substring(0, at) + "%25" + path.substring(at + 1) : path;
            default: // a ;parameter at the end of a segment
                return c == '/' && at > 0 ? path.substring(0, at) + ";p=" + where + path.substring(at) : path;
        }
    }

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                || c == '~';
    }

    private static GatedRequest request(String path) {
        return new GatedRequest(null, "GET", path, "app.test", 0) {
            @Override
            protected void onRelease(long heldNanos) {
            }

            @Override
            protected void onRefuse(Refusal why) {
            }
        };
    }
}
