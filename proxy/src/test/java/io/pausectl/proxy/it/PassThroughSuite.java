package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Framing;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.http.TestUpstream.Seen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pass-through behaviour, run once per kind of client (see the four subclasses): keep-alive,
 * pipelined, non-persistent ({@code Connection: close}) and HTTP/1.0. Requests are written and
 * responses parsed byte for byte by {@link RawClient}, so framing is checked, not only content.
 */
abstract class PassThroughSuite {
    /** How the client talks to the proxy. */
    enum Mode {
        /** HTTP/1.1, one connection, one request after the other. */
        KEEP_ALIVE,
        /** HTTP/1.1, one connection, every request written before any response is read. */
        PIPELINED,
        /** HTTP/1.1 with Connection: close, a connection per request. */
        CLOSE,
        /** HTTP/1.0 without keep-alive, a connection per request. */
        HTTP10
    }

    /** One request to send. */
    record Req(String method, String target, List<String> headers, byte[] body, boolean chunked) {
        static Req get(String target, String... headers) {
            return new Req("GET", target, List.of(headers), null, false);
        }

        static Req post(String target, byte[] body, boolean chunked, String... headers) {
            return new Req("POST", target, List.of(headers), body, chunked);
        }
    }

    TestUpstream upstream;
    ProxyFixture proxy;

    abstract Mode mode();

    boolean http10() {
        return mode() == Mode.HTTP10;
    }

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        proxy = ProxyFixture.start(upstream);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    byte[] render(Req r) {
        StringBuilder head = new StringBuilder();
        head.append(r.method()).append(' ').append(r.target()).append(http10() ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
        head.append("Host: proxy.test\r\n");
        String connection = mode() == Mode.CLOSE ? "close" : null;
        for (String h : r.headers()) {
            if (h.regionMatches(true, 0, "Connection:", 0, 11)) {
                connection = connection == null ? h.substring(11).trim() : connection + ", " + h.substring(11).trim();
            } else {
                head.append(h).append("\r\n");
            }
        }
        if (connection != null) {
            head.append("Connection: ").append(connection).append("\r\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (r.body() != null && r.chunked()) {
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            int third = Math.max(1, r.body().length / 3);
            for (int off = 0; off < r.body().length; off += third) {
                int n = Math.min(third, r.body().length - off);
                out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(r.body(), off, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else if (r.body() != null) {
            head.append("Content-Length: ").append(r.body().length).append("\r\n\r\n");
            out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(r.body());
        } else {
            head.append("\r\n");
            out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    /** Sends the requests the way this mode does and returns the responses in order. */
    List<Response> exchange(Req... requests) throws Exception {
        List<Response> responses = new ArrayList<>();
        switch (mode()) {
            case KEEP_ALIVE:
                try (RawClient c = new RawClient(proxy.port)) {
                    for (Req r : requests) {
                        responses.add(c.send(render(r)).read("HEAD".equals(r.method())));
                    }
                    assertThat(c.silentFor(100)).as("connection stays open and quiet").isTrue();
                }
                break;
            case PIPELINED:
                try (RawClient c = new RawClient(proxy.port)) {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    for (Req r : requests) {
                        all.writeBytes(render(r));
                    }
                    c.send(all.toByteArray());
                    for (Req r : requests) {
                        responses.add(c.read("HEAD".equals(r.method())));
                    }
                    assertThat(c.silentFor(100)).as("connection stays open and quiet").isTrue();
                }
                break;
            default:
                for (Req r : requests) {
                    try (RawClient c = new RawClient(proxy.port)) {
                        Response resp = c.send(render(r)).read("HEAD".equals(r.method()));
                        responses.add(resp);
                        if (resp.framing() != Framing.CLOSE) {
                            assertThat(resp.header("connection")).isEqualToIgnoringCase("close");
                            assertThat(c.closedByServer()).as("proxy closes a non-persistent connection").isTrue();
                        }
                    }
                }
        }
        for (Response r : responses) {
            assertThat(r.version()).isEqualTo("HTTP/1.1");
            if (mode() == Mode.KEEP_ALIVE || mode() == Mode.PIPELINED) {
                assertThat(r.header("connection")).isNull();
            }
        }
        return responses;
    }

    Seen seenWith(String target) {
        return upstream.seen().stream().filter(s -> s.uri().equals(target)).findFirst().orElseThrow();
    }

    @Test
    void fixedLengthResponsesComeBackInOrder() throws Exception {
        List<Response> rs = exchange(Req.get("/echo?i=1"), Req.get("/a?i=2"), Req.get("/b?i=3"), Req.get("/c?i=4"));
        assertThat(rs).extracting(Response::status).containsOnly(200);
        assertThat(rs).extracting(r -> r.header("x-path")).containsExactly("/echo", "/a", "/b", "/c");
        assertThat(rs).extracting(Response::framing).containsOnly(Framing.LENGTH);
    }

    @Test
    void requestBodiesWithContentLengthArriveWhole() throws Exception {
        List<Response> rs = exchange(Req.post("/echo?b=1", "first body".getBytes(StandardCharsets.UTF_8), false),
                Req.post("/echo?b=2", "second".getBytes(StandardCharsets.UTF_8), false), Req.get("/echo?b=3"));
        assertThat(rs).extracting(Response::bodyText).containsExactly("first body", "second", "");
        assertThat(seenWith("/echo?b=1").bodyText()).isEqualTo("first body");
        assertThat(seenWith("/echo?b=1").headers().get("content-length")).isEqualTo("10");
    }

    @Test
    void chunkedRequestBodiesArriveWhole() throws Exception {
        assumeTrue(!http10(), "HTTP/1.0 has no chunked encoding");
        byte[] body = TestUpstream.pattern(1000);
        List<Response> rs = exchange(Req.post("/echo?c=1", body, true), Req.get("/echo?c=2"));
        assertThat(rs.get(0).body()).isEqualTo(body);
        assertThat(seenWith("/echo?c=1").body()).isEqualTo(body);
        assertThat(seenWith("/echo?c=1").chunked()).as("forwarded chunked").isTrue();
    }

    @Test
    void chunkedResponsesAreChunkedToHttp11AndCloseDelimitedToHttp10() throws Exception {
        List<Response> rs = exchange(Req.get("/chunked?n=5"), Req.get("/echo?after=chunked"));
        assertThat(rs.get(0).bodyText()).isEqualTo("chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;");
        assertThat(rs.get(0).framing()).isEqualTo(http10() ? Framing.CLOSE : Framing.CHUNKED);
        assertThat(rs.get(0).header("transfer-encoding")).isEqualTo(http10() ? null : "chunked");
        assertThat(rs.get(1).header("x-path")).isEqualTo("/echo");
    }

    @Test
    void closeDelimitedUpstreamResponsesAreReframed() throws Exception {
        List<Response> rs = exchange(Req.get("/close-delimited"), Req.get("/echo?after=close"));
        assertThat(rs.get(0).bodyText()).isEqualTo("until-close-body");
        assertThat(rs.get(0).framing()).isEqualTo(http10() ? Framing.CLOSE : Framing.CHUNKED);
        assertThat(rs.get(1).status()).isEqualTo(200);
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        byte[] body = TestUpstream.pattern(3 << 20);
        List<Response> rs = exchange(Req.post("/echo?large", body, false));
        assertThat(rs.get(0).body()).isEqualTo(body);
        List<Response> big = exchange(Req.get("/bytes?size=5000000"));
        assertThat(big.get(0).body()).isEqualTo(TestUpstream.pattern(5_000_000));
    }

    @Test
    void headResponsesHaveNoBodyAndKeepTheirLength() throws Exception {
        List<Response> rs = exchange(new Req("HEAD", "/bytes?size=100", List.of(), null, false), Req.get("/echo?after=head"));
        assertThat(rs.get(0).status()).isEqualTo(200);
        assertThat(rs.get(0).header("content-length")).isEqualTo("100");
        assertThat(rs.get(0).body()).isEmpty();
        assertThat(rs.get(1).header("x-path")).isEqualTo("/echo");
    }

    @Test
    void hopByHopHeadersAreStrippedAndForwardingHeadersAdded() throws Exception {
        List<Response> rs = exchange(Req.get("/hop?h=1", "Connection: x-private", "X-Private: secret",
                "Keep-Alive: timeout=5", "TE: trailers", "Proxy-Connection: keep-alive", "Upgrade: nothing",
                "X-Forwarded-For: 10.1.2.3", "X-Forwarded-Proto: https", "Via: 1.1 edge", "X-Kept: yes"));
        Seen seen = seenWith("/hop?h=1");
        for (String gone : List.of("x-private", "keep-alive", "te", "proxy-connection", "upgrade", "connection",
                "transfer-encoding")) {
            assertThat(seen.headers().contains(gone)).as(gone + " forwarded").isFalse();
        }
        assertThat(seen.headers().get("x-kept")).isEqualTo("yes");
        assertThat(seen.headers().get("x-forwarded-for")).isEqualTo("10.1.2.3, 127.0.0.1");
        assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.headers().get("x-forwarded-host")).isEqualTo("proxy.test");
        assertThat(seen.headers().get("host")).isEqualTo("proxy.test");
        assertThat(seen.headers().get("via")).isEqualTo("1.1 edge, " + (http10() ? "1.0" : "1.1") + " pause-proxy");
        assertThat(seen.version().text()).isEqualTo("HTTP/1.1");

        Response r = rs.get(0);
        assertThat(r.bodyText()).isEqualTo("hop");
        for (String gone : List.of("x-upstream-private", "keep-alive", "proxy-connection", "trailer")) {
            assertThat(r.header(gone)).as(gone + " relayed").isNull();
        }
        assertThat(r.header("x-end-to-end")).isEqualTo("kept");
        assertThat(r.header("via")).isEqualTo("1.1 pause-proxy");
    }

    @Test
    void upstreamConnectionsArePooledAcrossRequestsAndClients() throws Exception {
        exchange(Req.get("/echo?p=1"), Req.get("/echo?p=2"), Req.get("/echo?p=3"));
        exchange(Req.get("/echo?p=4"), Req.post("/echo?p=5", "x".getBytes(StandardCharsets.UTF_8), false));
        assertThat(upstream.seen()).hasSize(5);
        // The POST is not replayable: it went on a fresh connection (--upstream-reuse safe), which
        // then joined the pool.
        assertThat(upstream.connections()).isEqualTo(2);
        exchange(Req.get("/echo?p=6"), Req.get("/echo?p=7"));
        assertThat(upstream.seen()).hasSize(7);
        assertThat(upstream.connections()).isEqualTo(2);
    }

    @Test
    void anUpstreamConnectionCloseIsNotReused() throws Exception {
        List<Response> rs = exchange(Req.get("/conn-close"), Req.get("/echo?after=conn-close"));
        assertThat(rs.get(0).bodyText()).isEqualTo("bye");
        assertThat(rs.get(1).status()).isEqualTo(200);
        assertThat(upstream.connections()).isEqualTo(2);
    }
}
