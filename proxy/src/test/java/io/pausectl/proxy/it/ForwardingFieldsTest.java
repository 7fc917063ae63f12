package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.ScriptedUpstream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * What a client sends that an origin could take for the proxy's forwarding fields never reaches
 * the origin, and both ways a head goes on (edited on its received bytes, or encoded again from the
 * parsed head: HTTP/1.0, absolute form, an obs-fold) give the origin and the client the same
 * fields. Before, {@code Forwarded: for=6.6.6.6;host=evil;proto=https} and {@code X_Forwarded_Host}
 * reached the origin on both paths, and a client's {@code X-Forwarded-For} that its
 * {@code Connection} named was extended on one path and dropped on the other.
 */
class ForwardingFieldsTest {
    private static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /** The three request forms: the first is relayed on its bytes, the others encoded again. */
    static Stream<Arguments> forms() {
        return Stream.of(
                arguments("relayed", "GET /r HTTP/1.1\r\nHost: a\r\n", "1.1"),
                arguments("HTTP/1.0, encoded again", "GET /r HTTP/1.0\r\nHost: a\r\n", "1.0"),
                arguments("absolute form, encoded again", "GET http://a/r HTTP/1.1\r\nHost: a\r\n", "1.1"));
    }

    /** The head the origin gets for {@code request}. */
    private static String forwarded(String request) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
                 while (c.readRequest() != null) {
                     c.write(ANSWER);
                 }
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
            return upstream.heads().get(0);
        }
    }

    /** The values of every field named {@code name} (any case) in {@code head}, in order. */
    private static List<String> values(String head, String name) {
        List<String> values = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                values.add(line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void forwardedAndUnderscoreLookAlikesNeverReachTheOrigin(String form, String start, String version) throws Exception {
        String head = forwarded(start
                + "Forwarded: for=6.6.6.6;host=evil;proto=https\r\n"
                + "forwarded: for=6.6.6.8\r\n"
                + "X_Forwarded_Host: evil2\r\n"
                + "x-forwarded_for: 6.6.6.7\r\n"
                + "X_FORWARDED_PROTO: https\r\n"
                + "X-Forwarded_Proto: https\r\n"
                + "X_A-B: kept\r\n"
                + "\r\n");
        String lower = head.toLowerCase(Locale.ROOT);
        assertThat(values(head, "forwarded")).as(form).isEmpty();
        assertThat(lower).as(form).doesNotContain("evil", "6.6.6.", "https", "_forwarded", "forwarded_");
        assertThat(values(head, "x-forwarded-for")).as(form).containsExactly("127.0.0.1");
        assertThat(values(head, "x-forwarded-host")).as(form).containsExactly("a");
        assertThat(values(head, "x-forwarded-proto")).as(form).containsExactly("http");
        // Other names with an underscore go on: only the look-alikes of what the proxy sets are dropped.
        assertThat(values(head, "X_A-B")).as(form).containsExactly("kept");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void aForwardingFieldTheClientsConnectionNamesIsNotExtended(String form, String start, String version) throws Exception {
        // RFC 9110 §7.6.1: a field Connection names is hop-by-hop and goes no further; the proxy's
        // own X-Forwarded-For and Via are then the only ones.
        String head = forwarded(start
                + "Connection: X-Forwarded-For, Via\r\n"
                + "X-Forwarded-For: 6.6.6.6\r\n"
                + "Via: 1.1 fake\r\n"
                + "\r\n");
        assertThat(values(head, "x-forwarded-for")).as(form).containsExactly("127.0.0.1");
        assertThat(values(head, "via")).as(form).containsExactly(version + " pause-proxy");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void aForwardingFieldTheClientsConnectionDoesNotNameIsExtended(String form, String start, String version) throws Exception {
        String head = forwarded(start + "X-Forwarded-For: 10.0.0.1\r\nVia: 1.1 edge\r\n\r\n");
        assertThat(values(head, "x-forwarded-for")).as(form).containsExactly("10.0.0.1, 127.0.0.1");
        assertThat(values(head, "via")).as(form).containsExactly("1.1 edge, " + version + " pause-proxy");
    }

    static Stream<Arguments> answers() {
        return Stream.of(
                arguments("relayed", "HTTP/1.1 200 OK\r\nConnection: Via\r\nVia: 1.1 fake\r\nContent-Length: 2\r\n\r\nok"),
                arguments("encoded again", "HTTP/1.1 200 OK\r\nConnection: Via\r\nVia: 1.1 fake\r\nX-F: a\r\n b\r\n"
                        + "Content-Length: 2\r\n\r\nok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void aViaTheOriginsConnectionNamesIsNotExtended(String form, String answer) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
                 c.readRequest();
                 c.write(answer);
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).as(form).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(values(head, "via")).as(form).containsExactly("1.1 pause-proxy");
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while (state < 4 && (c = in.read()) != -1) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
