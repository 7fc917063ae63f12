package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pausectl.api.ApiError;
import io.pausectl.api.Counters;
import io.pausectl.api.Json;
import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.TargetException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin API client against a real HTTP server (the JDK's) answering as the proxy's admin API does. */
class AdminApiTargetTest {
    private static final Status PAUSED = new Status(PauseState.PAUSED, 2, 600, 1, 0, 1200,
            new Lease("L1", "pausectl/t@h:1", "add index", Instant.parse("2026-01-01T00:00:30Z"), Scope.ALL),
            Instant.parse("2026-01-01T00:00:00Z"), 3, new Counters(10, 8, 0, 1, 0, 2, 0));

    /** A request the server saw. */
    record Seen(String method, String path, String authorization, String contentType, String body) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Handlers told to never answer wait on this until the test ends. */
    private final CountDownLatch never = new CountDownLatch(1);
    private volatile int answerCode = 200;
    private volatile String answerBody;
    private final ExecutorService serverThreads = Executors.newCachedThreadPool();
    private HttpServer server;
    private String url;

    @BeforeEach
    void startServer() throws IOException {
        answerBody = Json.strict().writeValueAsString(PAUSED);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(serverThreads);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        never.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("Content-Type"), body));
        if (answerCode == -1) {
            awaitNever();
        }
        byte[] bytes = answerBody.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answerCode, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void awaitNever() {
        try {
            never.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private AdminApiTarget target(Optional<String> token) {
        return new AdminApiTarget(url, token, Duration.ofSeconds(5));
    }

    private void answer(int code, Object body) throws IOException {
        answerCode = code;
        answerBody = body instanceof String ? (String) body : Json.strict().writeValueAsString(body);
    }

    @Test
    void statusIsReadWithTheBearerToken() throws Exception {
        try (AdminApiTarget target = target(Optional.of("s3cret"))) {
            assertThat(target.status()).isEqualTo(PAUSED);
        }
        assertThat(seen).containsExactly(new Seen("GET", "/v1/status", "Bearer s3cret", null, ""));
    }

    @Test
    void noTokenNoAuthorizationHeader() throws Exception {
        try (AdminApiTarget target = target(Optional.empty())) {
            target.status();
        }
        assertThat(seen.get(0).authorization()).isNull();
    }

    @Test
    void unknownFieldsFromANewerProxyAreIgnored() throws Exception {
        answer(200, "{\"state\":\"running\",\"queueDepth\":0,\"futureField\":{\"x\":1},\"counters\":{\"held\":5}}");
        try (AdminApiTarget target = target(Optional.empty())) {
            Status status = target.status();
            assertThat(status.state()).isEqualTo(PauseState.RUNNING);
            assertThat(status.counters().held()).isEqualTo(5);
        }
    }

    @Test
    void pauseSendsTheSpecAsTheAdminApiWantsIt() throws Exception {
        PauseSpec spec = new PauseSpec("add index", "pausectl/t@h:1", Duration.ofSeconds(30), Duration.ofMillis(1500),
                new Scope(List.of("POST"), List.of("/api"), List.of()));
        try (AdminApiTarget target = target(Optional.of("t"))) {
            assertThat(target.pause(spec)).isEqualTo(PAUSED);
        }
        Seen request = seen.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/pause");
        assertThat(request.contentType()).isEqualTo("application/json");
        JsonNode body = Json.lenient().readTree(request.body());
        assertThat(body.get("reason").asText()).isEqualTo("add index");
        assertThat(body.get("holder").asText()).isEqualTo("pausectl/t@h:1");
        assertThat(body.get("ttl").asText()).isEqualTo("30s");
        assertThat(body.get("waitIdle").asText()).isEqualTo("1500ms");
        assertThat(body.at("/scope/methods/0").asText()).isEqualTo("POST");
        assertThat(body.at("/scope/pathPrefixes/0").asText()).isEqualTo("/api");
    }

    @Test
    void renewAndResumeNameTheLeaseOrForce() throws Exception {
        try (AdminApiTarget target = target(Optional.empty())) {
            target.renew("L1", Duration.ofSeconds(30));
            target.resume("L1");
            target.resume(null);
        }
        assertThat(seen).extracting(Seen::path).containsExactly("/v1/pause/renew", "/v1/resume", "/v1/resume");
        assertThat(Json.lenient().readTree(seen.get(0).body()).get("lease").asText()).isEqualTo("L1");
        assertThat(Json.lenient().readTree(seen.get(0).body()).get("ttl").asText()).isEqualTo("30s");
        assertThat(Json.lenient().readTree(seen.get(1).body()).get("lease").asText()).isEqualTo("L1");
        assertThat(Json.lenient().readTree(seen.get(2).body()).get("force").asBoolean()).isTrue();
    }

    @Test
    void conflictIs409() throws Exception {
        answer(409, new ApiError("conflict", "paused by lease L0 held by alice"));
        try (AdminApiTarget target = target(Optional.empty())) {
            assertThatThrownBy(() -> target.pause(new PauseSpec("r", "h", Duration.ofSeconds(5), Duration.ZERO,
                    Scope.ALL)))
                    .isInstanceOf(ConflictException.class)
                    .hasMessage(url + ": paused by lease L0 held by alice");
        }
    }

    @Test
    void goneLeaseIs404OnRenewAndResume() throws Exception {
        answer(404, new ApiError("not_found", "no such lease"));
        try (AdminApiTarget target = target(Optional.empty())) {
            assertThatThrownBy(() -> target.renew("L1", Duration.ofSeconds(5))).isInstanceOf(LeaseGoneException.class)
                    .hasMessageContaining("no longer held");
            assertThatThrownBy(() -> target.resume("L1")).isInstanceOf(LeaseGoneException.class);
            assertThatThrownBy(target::status).isNotInstanceOf(LeaseGoneException.class)
                    .isInstanceOf(TargetException.class).hasMessageContaining("is this a pause-proxy admin API?");
        }
    }

    @Test
    void refusedTokenSaysSo() throws Exception {
        answer(401, new ApiError("unauthorized", "missing or wrong bearer token"));
        try (AdminApiTarget target = target(Optional.of("wrong"))) {
            assertThatThrownBy(target::status).isInstanceOf(TargetException.class)
                    .hasMessage(url + ": token refused (HTTP 401): missing or wrong bearer token; give the admin"
                            + " token with --token-file FILE or PAUSECTL_TOKEN");
        }
    }

    @Test
    void otherErrorsShowTheirCodeAndMessage() throws Exception {
        answer(500, "<html>oops</html>");
        try (AdminApiTarget target = target(Optional.empty())) {
            assertThatThrownBy(target::status).hasMessage(url + ": GET /v1/status answered HTTP 500: <html>oops</html>");
        }
    }

    @Test
    void aBodyThatIsNotAStatusIsAClearError() throws Exception {
        answer(200, "<html>a dashboard</html>");
        try (AdminApiTarget target = target(Optional.empty())) {
            assertThatThrownBy(target::status).hasMessageContaining("answered 200 with a body that is not a status");
        }
    }

    @Test
    void connectionRefusedNamesTheTarget() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String closed = "http://127.0.0.1:" + port;
        try (AdminApiTarget target = new AdminApiTarget(closed, Optional.empty(), Duration.ofSeconds(2))) {
            assertThatThrownBy(target::status).isInstanceOf(TargetException.class)
                    .hasMessageStartingWith(closed + ": cannot connect (connection refused)")
                    .hasMessageContaining("is pause-proxy running with its admin API (--admin-listen) there?");
        }
    }

    @Test
    void noAnswerWithinTheTimeoutIsAClearError() throws Exception {
        answerCode = -1;
        try (AdminApiTarget target = new AdminApiTarget(url, Optional.empty(), Duration.ofMillis(300))) {
            assertThatThrownBy(target::status).isInstanceOf(TargetException.class)
                    .hasMessage(url + ": no answer to GET /v1/status within 300ms");
        }
    }

    @Test
    void aPauseWaitsForWaitIdleBeyondTheTimeout() throws Exception {
        answerCode = -1;
        try (AdminApiTarget target = new AdminApiTarget(url, Optional.empty(), Duration.ofMillis(200))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> target.pause(new PauseSpec("r", "h", Duration.ofSeconds(5),
                    Duration.ofMillis(600), Scope.ALL))).hasMessage(url + ": no answer to POST /v1/pause within 800ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    void urlsAreCheckedAndABasePathIsKept() throws Exception {
        assertThatThrownBy(() -> new AdminApiTarget("ftp://x", Optional.empty(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://HOST:PORT");
        assertThatThrownBy(() -> new AdminApiTarget("localhost:9901", Optional.empty(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        try (AdminApiTarget target = new AdminApiTarget(url + "/proxy-a/", Optional.empty(), Duration.ofSeconds(5))) {
            target.status();
        }
        assertThat(seen.get(0).path()).isEqualTo("/proxy-a/v1/status");
    }
}
