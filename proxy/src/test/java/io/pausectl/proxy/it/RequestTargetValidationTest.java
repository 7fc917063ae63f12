package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Request-targets and Host values that are not well formed (RFC 9112 §3.2, RFC 3986) are answered
 * 400 by the proxy with the connection closed, at once, and never reach the upstream; the
 * well-formed unusual ones still go through.
 */
class RequestTargetValidationTest {
    static TestUpstream upstream;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        proxy = ProxyFixture.start(upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: app.test\r\n\r\n";
    }

    private static String host(String host) {
        return "GET /h HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    static Stream<Arguments> refused() {
        Stream<Arguments> named = Stream.of(
                arguments("query only", get("?x")),
                arguments("relative path", get("orders/1")),
                arguments("asterisk with GET", get("*")),
                arguments("authority-form with GET", get("example.com:443")),
                arguments("absolute without host", get("http:///x")),
                arguments("absolute with empty userinfo", get("http://@/x")),
                arguments("absolute with userinfo", get("http://user@app.test/x")),
                arguments("absolute with bad port", get("http://app.test:8x/x")),
                arguments("other scheme", get("ftp://app.test/x")),
                arguments("fragment", get("/a#b")),
                arguments("backslash in path", get("/a\\..\\orders")),
                arguments("malformed escape", get("/a%zz")),
                arguments("truncated escape", get("/a%4")),
                arguments("encoded NUL", get("/a%00b")),
                arguments("DEL", get("/a\u007fb")),
                arguments("Host with a path", host("api.example.com/admin")),
                arguments("Host with userinfo", host("user@host")),
                arguments("Host with a bad port", host("host:80x")),
                arguments("Host with two ports", host("host:80:81")),
                arguments("Host with a port too large", host("host:65536")),
                arguments("Host IP literal unclosed", host("[::1")),
                arguments("Host with a space", host("a b")),
                arguments("Host with a backslash", host("a\\b")),
                arguments("Host with an empty label", host("a..b")),
                arguments("Host with a byte over 0x7F", host("caf\u00c3\u00a9.test")),
                // An origin reading the last Host would serve what a host scope holds by the first.
                arguments("HTTP/1.0 with two Hosts", "GET /a HTTP/1.0\r\nHost: other\r\nHost: api.example.com\r\n\r\n"),
                arguments("Host with an escape", host("a%2eb")),
                arguments("Host list", host("a, b")),
                arguments("bare CR line ends", "GET / HTTP/1.1\rHost: x\r\r"),
                arguments("bare CR in a header", "GET / HTTP/1.1\r\nHost: x\rX: y"),
                // RFC 9112 §3: method SP request-target SP HTTP-version, one space each. nginx 1.22
                // takes extra spaces, HAProxy 2.6 extra spaces and tabs; both refuse the rest.
                arguments("two spaces before the target", "GET  /a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("two spaces before the version", "GET /a  HTTP/1.1\r\nHost: x\r\n\r\n"),
                // An empty line ended by a bare LF before a malformed line: the line is still checked.
                arguments("two spaces after a bare-LF empty line", "\nGET  /a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("a tab after CRLF and bare-LF empty lines", "\r\n\nGET\t/a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("tab before the target", "GET\t/a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("tab before the version", "GET /a\tHTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("version in lower case", "GET /a http/1.1\r\nHost: x\r\n\r\n"),
                arguments("version in mixed case", "GET /a Http/1.1\r\nHost: x\r\n\r\n"),
                arguments("space after the version", "GET /a HTTP/1.1 \r\nHost: x\r\n\r\n"),
                arguments("space before the method", " GET /a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("NUL before the method", "\u0000GET /a HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("version with a leading zero", "GET /a HTTP/01.1\r\nHost: x\r\n\r\n"),
                arguments("no version", "GET /a\r\nHost: x\r\n\r\n"));
        // Every control byte but the ones the request line treats as separators (HT, VT, FF, CR)
        // or that ends it (LF).
        Stream<Arguments> controls = IntStream.range(0, 0x20)
                .filter(c -> c < 0x09 || c > 0x0d)
                .mapToObj(c -> arguments(String.format("control byte 0x%02X", c), get("/" + (char) c + "test")));
        return Stream.concat(named, controls);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isAnswered400AtOnceAndClosedAndNeverForwarded(String name, String request) throws Exception {
        int before = upstream.seen().size();
        try (RawClient c = new RawClient(proxy.port)) {
            c.setReadTimeout(5_000);
            Response r = c.send(request).read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByServer()).as("closed after the refusal").isTrue();
        }
        assertThat(upstream.seen()).hasSize(before);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                arguments("absolute-form", get("http://app.test/abs?q=1"), "/abs?q=1"),
                arguments("absolute-form without path", get("HTTP://app.test?q=1"), "/?q=1"),
                arguments("encoded slash", get("/a%2Fb"), "/a%2Fb"),
                // Raw UTF-8 ("/café" is c3 a9) reaches the upstream byte for byte, not re-encoded.
                arguments("bytes over 0x7F", get("/caf\u00c3\u00a9?q=\u00ff"), "/caf\u00c3\u00a9?q=\u00ff"),
                arguments("backslash in the query", get("/q?path=a\\b"), "/q?path=a\\b"),
                arguments("OPTIONS asterisk", "OPTIONS * HTTP/1.1\r\nHost: app.test\r\n\r\n", "*"),
                arguments("IPv6 Host with port", host("[::1]:8080"), "/h"),
                arguments("Host with a trailing dot", host("app.test."), "/h"),
                arguments("Host with an empty port", host("app.test:"), "/h"),
                arguments("empty Host", host(""), "/h"),
                arguments("empty lines before the request line (RFC 9112 §2.2)",
                        "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: app.test\r\n\r\n", "/after-empty-lines"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void aWellFormedUnusualTargetIsForwarded(String name, String request, String forwardedUri) throws Exception {
        try (RawClient c = new RawClient(proxy.port)) {
            Response r = c.send(request).read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(upstream.seen()).anyMatch(s -> s.uri().equals(forwardedUri));
    }

    /** Every request's line is checked, not only a connection's first. */
    @Test
    void aLenientRequestLineAfterAGoodRequestIsRefused() throws Exception {
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("POST /line-ok HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET  /line-bad HTTP/1.1\r\n"
                    + "Host: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(400);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(upstream.seen()).anyMatch(s -> s.uri().equals("/line-ok"))
                .noneMatch(s -> s.uri().equals("/line-bad"));
    }

    @Test
    void aPipelinedRequestAfterARefusedOneIsNeverForwarded() throws Exception {
        try (RawClient c = new RawClient(proxy.port)) {
            Response r = c.send(get("?x") + get("/smuggled-after-bad-target")).read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(upstream.seen()).noneMatch(s -> s.uri().startsWith("/smuggled"));
    }
}
