package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every request-smuggling vector and limit is answered by the proxy itself, with the connection
 * closed, and never reaches the upstream: neither the request nor anything hidden in its body.
 */
class RequestSmugglingTest {
    static TestUpstream upstream;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        proxy = ProxyFixture.start(upstream, "max-request-line", "1KiB", "max-header-size", "2KiB");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    /** A request that would smuggle {@code GET /smuggled} if the proxy and the upstream disagreed. */
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    static Stream<Arguments> vectors() {
        String body = "0\r\n\r\n" + SMUGGLED;
        return Stream.of(
                arguments("CL with TE", 400, "POST /v1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body),
                arguments("TE with CL", 400, "POST /v2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4"
                        + "\r\n\r\n" + body),
                arguments("conflicting CL", 400, "POST /v3 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\n"
                        + "abc" + SMUGGLED),
                arguments("duplicate equal CL", 400, "POST /v4 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3"
                        + "\r\n\r\nabc"),
                arguments("CL list", 400, "POST /v5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"),
                arguments("duplicate CL in HTTP/1.0", 400, "POST /v6 HTTP/1.0\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\n"
                        + "abc" + SMUGGLED),
                arguments("signed CL", 400, "POST /v7 HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"),
                arguments("chunked not last", 400, "POST /v8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                        + body),
                arguments("xchunked", 400, "POST /v9 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n" + body),
                arguments("chunked twice", 400, "POST /v10 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + body),
                arguments("gzip then chunked", 400, "POST /v11 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                        + body),
                arguments("TE with a vertical tab", 400, "POST /v12 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \u000bchunked\r\n\r\n"
                        + body),
                arguments("TE in HTTP/1.0", 400, "POST /v13 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + body),
                arguments("space before colon", 400, "POST /v14 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"
                        + body),
                arguments("tab before colon", 400, "POST /v15 HTTP/1.1\r\nHost: x\r\nContent-Length\t: 3\r\n\r\nabc"),
                arguments("NUL in a header name", 400, "GET /v16 HTTP/1.1\r\nHost: x\r\nX-A\u0000b: 1\r\n\r\n"),
                arguments("bare LF line ends", 400, "GET /v17 HTTP/1.1\nHost: x\n\n"),
                arguments("folded TE", 400, "POST /v18 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n"
                        + body),
                arguments("no Host in HTTP/1.1", 400, "GET /v19 HTTP/1.1\r\n\r\n"),
                arguments("two Hosts", 400, "GET /v20 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                arguments("bad chunk size", 400, "POST /v21 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nabc\r\n0\r\n\r\n"),
                arguments("HTTP/2.0 line", 505, "GET /v22 HTTP/2.0\r\nHost: x\r\n\r\n"),
                arguments("unknown expectation", 417, "POST /v23 HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 3"
                        + "\r\n\r\nabc"),
                arguments("CONNECT", 405, "CONNECT upstream.test:443 HTTP/1.1\r\nHost: upstream.test:443\r\n\r\n"),
                arguments("request line too long", 414, "GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                arguments("head too large", 431, "GET /v26 HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(3000) + "\r\n\r\n"),
                // Netty's decoder frames 8 body bytes for a GET with both keys of the obsolete
                // draft-76 WebSocket handshake (no Content-Length): the origin would read them as
                // the start of the next request on its connection.
                arguments("draft-76 WebSocket keys", 400, "GET /v27 HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key1: 1\r\n"
                        + "Sec-WebSocket-Key2: 2\r\n\r\nGET /sm" + SMUGGLED),
                arguments("draft-76 keys with an upgrade", 400, "GET /v28 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                        + "Upgrade: WebSocket\r\nsec-websocket-key2: 2\r\nSEC-WEBSOCKET-KEY1: 1\r\n\r\n12345678" + SMUGGLED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void isAnsweredByTheProxyAndClosedAndNeverForwarded(String name, int status, String request) throws Exception {
        int before = upstream.seen().size();
        try (RawClient c = new RawClient(proxy.port)) {
            Response r = c.send(request).read();
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByServer()).as("closed after the refusal").isTrue();
        }
        // The bad chunk arrives after a valid head, so that head may have been forwarded; what
        // matters is that nothing after it was, and the upstream connection was not reused.
        if (!name.equals("bad chunk size")) {
            assertThat(upstream.seen()).hasSize(before);
        }
        assertThat(upstream.seen()).noneMatch(s -> s.uri().equals("/smuggled"));
    }

    @org.junit.jupiter.api.Test
    void draft76KeysWithAContentLengthAreFramedByIt() throws Exception {
        // The Content-Length the origin reads is the one the proxy framed by: nothing to refuse.
        int before = upstream.seen().size();
        try (RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /v29 HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n"
                    + "Content-Length: 0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(upstream.seen()).hasSize(before + 1);
    }
}
