package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.ScriptedUpstream;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Heads relayed on their received bytes (issue 13): what the proxy does not change goes on byte for
 * byte, and what it changes (hop-by-hop fields, forwarding fields, framing) is changed exactly as
 * before, both ways. Before, every head was parsed into strings and encoded again, which trimmed
 * values and re-spelled what it did not need to touch.
 */
class HeadRelayTest {
    private static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /** An origin that answers every request with {@code answer} and records the heads. */
    private static ScriptedUpstream answering(String answer) throws IOException {
        return new ScriptedUpstream((c, n) -> {
            while (c.readRequest() != null) {
                c.write(answer);
            }
        });
    }

    @Test
    void aRequestHeadGoesOnAsReceivedWithOnlyTheProxysEditsMade() throws Exception {
        try (ScriptedUpstream upstream = answering(ANSWER);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            String head = "GET /a?b=c%20d HTTP/1.1\r\n"
                    + "hOsT: Example.Test\r\n"
                    + "X-Spaced:   two  words  \r\n"
                    + "Connection: keep-alive, X-Drop\r\n"
                    + "X-Drop: gone\r\n"
                    + "X-Forwarded-For: 10.1.2.3\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Via: 1.1 edge\r\n"
                    + "X-Obs-Text: caf\u00e9\r\n"
                    + "\r\n";
            assertThat(c.send(head.getBytes(StandardCharsets.ISO_8859_1)).read().status()).isEqualTo(200);
            assertThat(upstream.heads()).containsExactly("GET /a?b=c%20d HTTP/1.1\r\n"
                    + "hOsT: Example.Test\r\n"
                    + "X-Spaced:   two  words  \r\n"
                    + "X-Obs-Text: caf\u00e9\r\n"
                    + "x-forwarded-for: 10.1.2.3, 127.0.0.1\r\n"
                    + "x-forwarded-proto: http\r\n"
                    + "x-forwarded-host: Example.Test\r\n"
                    + "via: 1.1 edge, 1.1 pause-proxy\r\n"
                    + "\r\n");
        }
    }

    @Test
    void framingFieldsGoOnAsParsedNotAsReceived() throws Exception {
        try (ScriptedUpstream upstream = answering(ANSWER);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            // The length the proxy framed the body by is the one the origin gets, in one form.
            c.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length:   10 \r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            c.send("0123456789");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(upstream.heads().get(0)).isEqualTo("POST /p HTTP/1.1\r\nHost: a\r\n"
                    + "content-length: 10\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\n"
                    + "x-forwarded-host: a\r\nvia: 1.1 pause-proxy\r\n\r\n");
        }
    }

    @Test
    void aFoldedFieldIsUnfoldedNotRelayed() throws Exception {
        try (ScriptedUpstream upstream = answering(ANSWER);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n").read();
            if (r.status() == 200) {
                // RFC 9112 §5.2: a proxy replaces obs-fold with spaces before forwarding.
                assertThat(upstream.heads().get(0)).contains("X-Folded: one two\r\n").doesNotContain("\r\n two");
            } else {
                assertThat(r.status()).isEqualTo(400);
                assertThat(upstream.heads()).isEmpty();
            }
        }
    }

    @Test
    void aResponseHeadGoesOnAsReceivedWithOnlyTheProxysEditsMade() throws Exception {
        String answer = "HTTP/1.1 200 Fine Thanks\r\n"
                + "X-Spaced:   two  words  \r\n"
                + "Connection: keep-alive, X-Hop\r\n"
                + "X-Hop: gone\r\n"
                + "Content-Length: 2, 2\r\n"
                + "Set-Cookie: a=1\r\n"
                + "Set-Cookie: b=2\r\n"
                + "Via: 1.1 origin-side\r\n"
                + "\r\nok";
        try (ScriptedUpstream upstream = answering(answer);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            for (int i = 0; i < 2; i++) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(s.getInputStream())).isEqualTo("HTTP/1.1 200 Fine Thanks\r\n"
                        + "X-Spaced:   two  words  \r\n"
                        + "Set-Cookie: a=1\r\n"
                        + "Set-Cookie: b=2\r\n"
                        + "content-length: 2\r\n"
                        + "via: 1.1 origin-side, 1.1 pause-proxy\r\n"
                        + "\r\n");
                assertThat(s.getInputStream().readNBytes(2)).isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void aResponseTheProxyReframesIsEncodedAsBefore() throws Exception {
        AtomicReference<String> close = new AtomicReference<>("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nbody");
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
                 c.readRequest();
                 c.write(close.get());
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            // Read until the upstream closes: chunked to an HTTP/1.1 client.
            Response r = c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.bodyText()).isEqualTo("body");
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

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "HEAD, 200 OK",
            "GET, 304 Not Modified",
            "GET, 204 No Content",
    })
    void aBodilessResponseNeverCarriesTheOriginsTransferEncoding(String method, String status) throws Exception {
        // No body follows (RFC 9112 §6.3), so Netty's parser drops chunked from the parsed head; the
        // received line must not go on either: a client framing by it would wait for chunks.
        String answer = "HTTP/1.1 " + status + "\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n";
        try (ScriptedUpstream upstream = answering(answer);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            for (int i = 0; i < 2; i++) {
                s.getOutputStream().write((method + " / HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String head = readHead(s.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 " + status + "\r\n").contains("X-A: 1\r\n");
                assertThat(head.toLowerCase(java.util.Locale.ROOT)).doesNotContain("transfer-encoding");
            }
        }
    }

    @Test
    void aRequestsFramingFieldsAreTheProxysOwn() throws Exception {
        try (ScriptedUpstream upstream = answering(ANSWER);
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            c.send("POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(upstream.heads().get(0)).contains("transfer-encoding: chunked\r\n")
                    .doesNotContain("CHUNKED");
        }
    }

    /** Requests whose heads the relay does not take as received, each with an obs-text value. */
    static Stream<Arguments> requestsEncodedAgain() {
        return Stream.of(
                Arguments.of("absolute form", "GET http://a/x HTTP/1.1\r\nHost: a\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\n"),
                Arguments.of("HTTP/1.0", "GET /x HTTP/1.0\r\nHost: a\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\n"),
                Arguments.of("chunked trailer", "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "1\r\nz\r\n0\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsEncodedAgain")
    void obsTextInARequestGoesOnUnchangedWhenTheHeadIsEncodedAgain(String form, String request) throws Exception {
        // RFC 9110 §5.5: a field value may hold obs-text (bytes 0x80-0xFF); a proxy passes it on as
        // it came. Heads the relay cannot take as received are encoded from the parsed fields, one
        // byte per char (the decoder read them as ISO-8859-1), never as '?'.
        AtomicReference<String> received = new AtomicReference<>();
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
                 String head = c.readHead();
                 if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                     // The chunked body through its trailer section's blank line.
                     head += readHead(c.in);
                 }
                 received.set(head);
                 c.write(ANSWER);
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send(request.getBytes(StandardCharsets.ISO_8859_1)).read().status()).isEqualTo(200);
            assertThat(received.get()).contains("X-Obs: caf\u00e9 \u00ff\r\n");
        }
    }

    /** Responses whose heads the relay does not take as received, each with an obs-text value. */
    static Stream<Arguments> responsesEncodedAgain() {
        return Stream.of(
                Arguments.of("HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\nok"),
                Arguments.of("close-delimited", "HTTP/1.1 200 OK\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\nok"),
                Arguments.of("chunked trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nok\r\n0\r\nX-Obs: caf\u00e9 \u00ff\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responsesEncodedAgain")
    void obsTextInAResponseGoesOnUnchangedWhenTheHeadIsEncodedAgain(String form, String answer) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream((c, n) -> {
                 c.readRequest();
                 c.write(answer);
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").contains("X-Obs: caf\u00e9 \u00ff\r\n");
        }
    }
}
