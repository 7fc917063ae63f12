package io.pausectl.proxy.admin;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.pausectl.api.ApiError;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.testkit.http.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin API as an attacker or a confused client meets it, over real sockets: bounded durations
 * (issue 10 fault 1), timeouts, a connection cap and 401 first (fault 5), strict JSON (fault 8),
 * and refusals that are read, not reset.
 */
class AdminApiHardeningTest {
    private static final String TOKEN = "s3cret-token";
    private static final AdminLimits LIMITS = new AdminLimits(Duration.ofMillis(700), Duration.ofMillis(1500),
            Duration.ofMillis(1500), 4, 4, 64 * 1024);
    private static EventLoop loop;

    private QueueingPauseGate gate;
    private AdminServer admin;
    private int port;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeAll
    static void startLoop() {
        loop = new DefaultEventLoop();
    }

    @AfterAll
    static void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws Exception {
        ProxyMetrics metrics = ProxyMetrics.prometheus();
        gate = QueueingPauseGate.start(new GateSettings(100, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                16, 0, List.of("/healthz")), metrics);
        admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.of(TOKEN), gate, metrics, LIMITS);
        port = admin.start().getPort();
    }

    @AfterEach
    void stop() throws IOException {
        for (RawClient c : clients) {
            c.close();
        }
        gate.shutdown().syncUninterruptibly();
        admin.stop().syncUninterruptibly();
        gate.close().syncUninterruptibly();
    }

    private RawClient client() throws IOException {
        RawClient c = new RawClient(port);
        clients.add(c);
        return c;
    }

    private RawClient.Response call(String method, String path, String body, String token) throws IOException {
        return call(port, method, path, body, token);
    }

    private RawClient.Response call(int port, String method, String path, String body, String token)
            throws IOException {
        RawClient c = new RawClient(port);
        clients.add(c);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        c.send(method + " " + path + " HTTP/1.1\r\nHost: admin\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n");
        c.send(bytes);
        RawClient.Response r = c.read();
        c.close();
        return r;
    }

    private RawClient.Response call(String method, String path, String body) throws IOException {
        return call(method, path, body, TOKEN);
    }

    private static ApiError error(RawClient.Response r, int status) throws IOException {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(status);
        return Json.lenient().readValue(r.body(), ApiError.class);
    }

    private Status status() throws IOException {
        RawClient.Response r = call("GET", "/v1/status", null);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return Json.lenient().readValue(r.body(), Status.class);
    }

    // Fault 1: a duration that overflowed left the gate pausing with no expiry, for ever.

    @Test
    void anOverflowingTtlOrWaitIdleIsA400AndPausesNothing() throws Exception {
        for (String body : List.of("{\"ttl\":\"9999999h\"}", "{\"ttl\":\"9223372037s\"}",
                "{\"ttl\":\"2562048h\"}", "{\"waitIdle\":\"9999999h\"}", "{\"waitIdle\":\"9223372037s\"}",
                "{\"ttl\":\"PT0S\"}", "{\"ttl\":\"0s\"}")) {
            ApiError e = error(call("POST", "/v1/pause", body), 400);
            assertThat(e.error()).isEqualTo("bad_request");
            assertThat(e.message()).startsWith("'").doesNotContain("overflow", "java.");
            Status s = status();
            assertThat(s.state()).as(body).isEqualTo(PauseState.RUNNING);
            assertThat(s.lease()).as(body).isNull();
        }
        assertThat(error(call("POST", "/v1/pause", "{\"ttl\":\"9999999h\"}"), 400).message())
                .isEqualTo("'ttl': '9999999h' is too long: at most 8760h");
    }

    @Test
    void anOverflowingRenewIsA400AndLeavesTheLeaseAsItWas() throws Exception {
        RawClient.Response paused = call("POST", "/v1/pause", "{\"ttl\":\"1m30s\",\"waitIdle\":\"1.5s\"}");
        Status p = Json.lenient().readValue(paused.body(), Status.class);
        assertThat(p.state()).isEqualTo(PauseState.PAUSED);
        String lease = p.lease().id();
        for (String ttl : List.of("9999999h", "9223372037s", "-1s", "0")) {
            ApiError e = error(call("POST", "/v1/pause/renew", "{\"lease\":\"" + lease + "\",\"ttl\":\"" + ttl
                    + "\"}"), 400);
            assertThat(e.message()).startsWith("'ttl': '" + ttl + "'");
            assertThat(status().lease().expiresAt()).isEqualTo(p.lease().expiresAt());
        }
        // A renew without a ttl uses the lease's own, which the refused ones did not touch.
        RawClient.Response renewed = call("POST", "/v1/pause/renew", "{\"lease\":\"" + lease + "\"}");
        Status r = Json.lenient().readValue(renewed.body(), Status.class);
        assertThat(renewed.status()).isEqualTo(200);
        assertThat(Duration.between(java.time.Instant.now(), r.lease().expiresAt()))
                .isBetween(Duration.ofSeconds(80), Duration.ofSeconds(91));
        assertThat(call("POST", "/v1/resume", "{\"lease\":\"" + lease + "\"}").status()).isEqualTo(200);
    }

    // Fault 5: no timeouts, no cap, and 404/405 told a caller without the token which endpoints exist.

    @Test
    void aCallerWithoutTheTokenGets401WhateverThePathOrMethod() throws Exception {
        for (String[] probe : new String[][] {{"GET", "/v1/nope"}, {"POST", "/v1/status"}, {"GET", "/v1/pause"},
                {"DELETE", "/metrics"}, {"GET", "/admin"}, {"POST", "/v1/pause"}}) {
            for (String token : new String[] {null, "wrong"}) {
                RawClient.Response r = call(probe[0], probe[1], probe[0].equals("POST") ? "{}" : null, token);
                assertThat(r.status()).as(probe[0] + " " + probe[1] + " " + token).isEqualTo(401);
                assertThat(r.header("www-authenticate")).isEqualTo("Bearer");
                assertThat(r.header("allow")).isNull();
                assertThat(r.header("connection")).as("no connection kept for a caller without the token")
                        .isEqualTo("close");
            }
        }
        assertThat(call("GET", "/healthz", null, null).status()).isEqualTo(200);
        assertThat(call("GET", "/v1/nope", null).status()).isEqualTo(404);
        assertThat(status().state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        RawClient idle = client();
        idle.setReadTimeout(10_000);
        long start = System.nanoTime();
        assertThat(idle.closedByServer()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1000),
                Duration.ofSeconds(8));
    }

    @Test
    void aRequestThatDoesNotArriveWholeGets408AndTheConnectionCloses() throws Exception {
        RawClient partialBody = client();
        partialBody.send("POST /v1/pause HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Length: 100\r\n\r\n{\"reason\":");
        RawClient partialHead = client();
        partialHead.send("GET /v1/status HTTP/1.1\r\nHost: admin\r\n");
        for (RawClient c : List.of(partialBody, partialHead)) {
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.bodyText()).contains("\"error\":\"request_timeout\"");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(status().state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void aLongWaitIdleIsNotCutByTheRequestTimeout() throws Exception {
        AdminApiTest.Probe inFlight = new AdminApiTest.Probe(loop);
        loop.submit(() -> gate.enter(inFlight)).sync();
        RawClient.Response r = call("POST", "/v1/pause", "{\"waitIdle\":\"2s\"}");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(Json.lenient().readValue(r.body(), Status.class).state()).isEqualTo(PauseState.PAUSING);
        loop.submit(() -> gate.exit(inFlight)).sync();
        call("POST", "/v1/resume", "{\"force\":true}");
    }

    /**
     * The review's fault: 64 idle connections without the token filled the one connection limit,
     * and then {@code pausectl resume --force} got 503, so the pause could not be ended by hand.
     * Now callers without the token have a budget of their own, a newcomer pushes out the oldest
     * of them, and a request with the token is always served. The proxy's default limits.
     */
    @Test
    void connectionsWithoutTheTokenCannotLockTheOperatorOut() throws Exception {
        AdminServer server = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.of(TOKEN), gate,
                ProxyMetrics.prometheus(), AdminLimits.DEFAULT);
        int defaultPort = server.start().getPort();
        try {
            RawClient.Response paused = call(defaultPort, "POST", "/v1/pause", "{\"reason\":\"migrate\"}", TOKEN);
            assertThat(paused.status()).as(paused.bodyText()).isEqualTo(200);
            List<RawClient> squatters = new ArrayList<>();
            for (int i = 0; i < 2 * (AdminLimits.DEFAULT.maxConnections() + AdminLimits.DEFAULT.maxUnauthenticated());
                 i++) {
                RawClient c = new RawClient(defaultPort);
                clients.add(c);
                if (i % 3 == 1) {
                    c.send("POST /v1/resume HTTP/1.1\r\nHost: admin\r\n");
                } else if (i % 3 == 2) {
                    c.send("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n");
                    assertThat(c.read().status()).isEqualTo(200);
                }
                squatters.add(c);
            }
            RawClient.Response resumed = call(defaultPort, "POST", "/v1/resume", "{\"force\":true}", TOKEN);
            assertThat(resumed.status()).as(resumed.bodyText()).isEqualTo(200);
            assertThat(Json.lenient().readValue(resumed.body(), Status.class).state()).isEqualTo(PauseState.RUNNING);
            assertThat(status().state()).isEqualTo(PauseState.RUNNING);
            assertThat(squatters.get(0).closedByServer()).as("the oldest was pushed out").isTrue();
        } finally {
            server.stop().syncUninterruptibly();
        }
    }

    /**
     * With no token (loopback only), every request counts as authenticated; connections that have
     * sent none yet are still in the budget whose oldest is pushed out, so idle ones cannot lock a
     * resume out either.
     */
    @Test
    void withoutATokenIdleConnectionsCannotLockAResumeOut() throws Exception {
        AdminServer server = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.empty(), gate,
                ProxyMetrics.prometheus(), AdminLimits.DEFAULT);
        int openPort = server.start().getPort();
        try {
            RawClient.Response paused = call(openPort, "POST", "/v1/pause", "{}", null);
            assertThat(paused.status()).as(paused.bodyText()).isEqualTo(200);
            for (int i = 0; i < 2 * (AdminLimits.DEFAULT.maxConnections() + AdminLimits.DEFAULT.maxUnauthenticated());
                 i++) {
                clients.add(new RawClient(openPort));
            }
            RawClient.Response resumed = call(openPort, "POST", "/v1/resume", "{\"force\":true}", null);
            assertThat(resumed.status()).as(resumed.bodyText()).isEqualTo(200);
            assertThat(status().state()).isEqualTo(PauseState.RUNNING);
        } finally {
            server.stop().syncUninterruptibly();
        }
    }

    @Test
    void pastTheCapARequestWithTheTokenIsServedAndItsConnectionClosed() throws Exception {
        List<RawClient> kept = new ArrayList<>();
        String statusRequest = "GET /v1/status HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n";
        for (int i = 0; i < LIMITS.maxConnections(); i++) {
            RawClient c = client();
            RawClient.Response r = c.send(statusRequest).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isNull();
            kept.add(c);
        }
        RawClient over = client();
        RawClient.Response served = over.send(statusRequest).read();
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.header("connection")).isEqualTo("close");
        assertThat(over.closedByServer()).isTrue();
        RawClient.Response again = kept.get(0).send(statusRequest).read();
        assertThat(again.status()).as("a kept connection still serves").isEqualTo(200);
        kept.get(0).close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            RawClient c = client();
            RawClient.Response r = c.send(statusRequest).read();
            c.close();
            assertThat(r.header("connection")).as("a place freed").isNull();
        });
    }

    /**
     * Like Python's http.client: write the whole request, then read. Closing on an unread body used
     * to reset the connection, so the client saw a reset, never the answer.
     */
    @Test
    void aTooLargeBodyIsAnswered413AndReadNotReset() throws Exception {
        for (String token : new String[] {TOKEN, null}) {
            byte[] body = new byte[8 << 20];
            java.util.Arrays.fill(body, (byte) ' ');
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/pause HTTP/1.1\r\nHost: admin\r\n"
                        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (int off = 0; off < body.length; off += 8192) {
                    out.write(body, off, 8192);
                }
                out.flush();
                String answer = readAll(s.getInputStream());
                assertThat(answer).startsWith(token == null ? "HTTP/1.1 401" : "HTTP/1.1 413")
                        .contains(token == null ? "\"error\":\"unauthorized\"" : "\"error\":\"too_large\"");
            }
        }
    }

    /**
     * The review's fault: the aggregator answered {@code Expect: 100-continue} as soon as it read a pipelined
     * request's head, so {@code HTTP/1.1 100 Continue} went out before the answer to the pause ahead of it.
     * Now answers go out in the order of the requests (RFC 9112 §9.3.2): the pause's 200, then the 100, then,
     * once the body came, the resume's 200.
     */
    @Test
    void aPipelined100ContinueWaitsForTheAnswerBeforeIt() throws Exception {
        AdminApiTest.Probe inFlight = new AdminApiTest.Probe(loop);
        loop.submit(() -> gate.enter(inFlight)).sync();
        String pause = "{\"waitIdle\":\"30s\"}";
        String resume = "{\"force\":true}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            // One write: the server reads both heads together, while the pause waits for the request in flight.
            out.write((post("/v1/pause", pause.length(), false) + pause + post("/v1/resume", resume.length(), true))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> status().state() == PauseState.PAUSING);
            loop.submit(() -> gate.exit(inFlight)).sync();
            assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 ").contains("\"state\":\"paused\"");
            assertThat(readAnswer(in)).startsWith("HTTP/1.1 100 Continue\r\n");
            out.write(resume.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readAnswer(in)).startsWith("HTTP/1.1 200 ").contains("\"state\":\"running\"");
        }
    }

    /** A pipelined body too large is refused (413, close) after the answer owed to the request before it, not instead of it. */
    @Test
    void aPipelinedTooLargeBodyIsRefusedAfterTheAnswerBeforeIt() throws Exception {
        String pause = "{\"waitIdle\":\"30s\"}";
        for (boolean expect : new boolean[] {false, true}) {
            AdminApiTest.Probe inFlight = new AdminApiTest.Probe(loop);
            loop.submit(() -> gate.enter(inFlight)).sync();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write((post("/v1/pause", pause.length(), false) + pause + post("/v1/resume", 1 << 20, expect))
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> status().state() == PauseState.PAUSING);
                loop.submit(() -> gate.exit(inFlight)).sync();
                assertThat(readAnswer(in)).as("expect %s", expect).startsWith("HTTP/1.1 200 ");
                assertThat(readAll(in)).as("expect %s", expect).startsWith("HTTP/1.1 413 ");
            }
            assertThat(call("POST", "/v1/resume", "{\"force\":true}").status()).isEqualTo(200);
        }
    }

    private static String post(String path, int length, boolean expectContinue) {
        return "POST " + path + " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN + "\r\n"
                + (expectContinue ? "Expect: 100-continue\r\n" : "") + "Content-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n";
    }

    /** The next answer, head and body (a 1xx has none), read by its Content-Length. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        return text + new String(in.readNBytes(contentLength(text)), StandardCharsets.UTF_8);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) != -1) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    // Fault 8: the admin JSON was read loosely, and a newline in reason or holder forged a log line.

    @Test
    void looseJsonIsRefusedAndChangesNothing() throws Exception {
        String[][] cases = {
                {"/v1/pause", "{\"reason\":\"a\",\"reason\":\"b\"}", "field 'reason' is given twice"},
                {"/v1/pause", "{\"ttl\":\"30s\",\"ttl\":\"9999999h\"}", "field 'ttl' is given twice"},
                {"/v1/pause", "{\"reason\":\"a\"} trailing", "the body is not JSON"},
                {"/v1/pause", "{\"reason\":\"a\"}{\"ttl\":\"1s\"}", "the body has more after its JSON object"},
                {"/v1/pause", "{\"reason\":5}", "'reason' must be a string"},
                {"/v1/pause", "{\"holder\":[\"x\"]}", "'holder' must be a string"},
                {"/v1/pause", "{\"reason\":\"migrate\\nINFO pause gate paused -> running: resumed\"}",
                        "'reason' must be one line of printable text"},
                {"/v1/pause", "{\"holder\":\"ops\\r\\n2026 WARN forged\"}", "'holder' must be one line of printable text"},
                {"/v1/pause", "{\"reason\":\"bell\\u0007\"}", "'reason' must be one line of printable text"},
        };
        for (String[] c : cases) {
            ApiError e = error(call("POST", c[0], c[1]), 400);
            assertThat(e.message()).as(c[1]).startsWith(c[2]).doesNotContain("\n", "\r", "Jackson", "java.");
            assertThat(status().state()).as(c[1]).isEqualTo(PauseState.RUNNING);
        }
        Status paused = Json.lenient().readValue(call("POST", "/v1/pause", "{\"reason\":\"r\"}").body(), Status.class);
        for (String body : List.of("{\"force\":1}", "{\"force\":\"true\"}", "{\"force\":true,\"force\":true}",
                "{\"lease\":\"" + paused.lease().id() + "\"} x")) {
            assertThat(call("POST", "/v1/resume", body).status()).as(body).isEqualTo(400);
            assertThat(status().state()).as(body).isEqualTo(PauseState.PAUSED);
        }
        assertThat(call("POST", "/v1/resume", "{\"force\":true}").status()).isEqualTo(200);
    }

    /**
     * The review's siblings of fault 8: {@code null} read as {@code {}}, parser text in the answer,
     * a lone surrogate taken as text, and a repeated query parameter whose last value won.
     */
    @Test
    void theSiblingsOfLooseJsonAreRefusedInTheCallersTerms() throws Exception {
        String[][] cases = {
                {"/v1/pause", "null", "the body must be a JSON object, e.g. {"},
                {"/v1/pause", "[]", "the body must be a JSON object, e.g. {"},
                {"/v1/pause", "\"pause\"", "the body must be a JSON object, e.g. {"},
                {"/v1/pause", "{}x", "the body is not JSON (line 1, column 3); send one JSON object, e.g. {"},
                {"/v1/pause", "{\"reason\":\"migrate \\ud800\"}", "'reason' must be Unicode text"},
                {"/v1/pause", "{\"holder\":\"\\udc00ops\"}", "'holder' must be Unicode text"},
                {"/v1/maintenance", "null", "the body must be a JSON object, e.g. {"},
                {"/v1/maintenance", "{\"message\":\"back soon \\udbff\"}", "'message' must be Unicode text"},
                {"/v1/resume", "null", "the body must be a JSON object, e.g. {"},
                {"/v1/pause/renew", "[]", "the body must be a JSON object, e.g. {"},
                {"/v1/held/cancel", "null", "the body must be a JSON object, e.g. {"},
        };
        for (String[] c : cases) {
            ApiError e = error(call("POST", c[0], c[1]), 400);
            assertThat(e.message()).as(c[1]).startsWith(c[2]).doesNotContain("Unrecognized", "expecting", "token",
                    "Cannot", "java.", "\ud800", "\udc00", "\udbff");
            Status s = status();
            assertThat(s.state()).as(c[1]).isEqualTo(PauseState.RUNNING);
            assertThat(s.maintenance()).as(c[1]).isNull();
        }
        assertThat(error(call("GET", "/v1/held?limit=1&limit=2", null), 400).message())
                .isEqualTo("query parameter 'limit' is given 2 times; give it once");
        assertThat(error(call("GET", "/v1/held?limt=2", null), 400).message())
                .isEqualTo("unknown query parameter 'limt'; known: limit");
        assertThat(error(call("GET", "/v1/status?verbose=1", null), 400).message())
                .isEqualTo("unknown query parameter 'verbose'; this endpoint takes none");
        assertThat(call("GET", "/v1/held?limit=2", null).status()).isEqualTo(200);
    }
}
