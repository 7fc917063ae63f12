package io.pausectl.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.pausectl.api.ApiError;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Limits;
import io.pausectl.api.Status;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.GatedRequest;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API over real HTTP on loopback, driving a real gate. */
class AdminApiTest {
    private static final String TOKEN = "s3cret-token";
    private static EventLoop loop;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private QueueingPauseGate gate;
    private ProxyMetrics metrics;
    private AdminServer admin;
    private URI base;

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
        metrics = ProxyMetrics.prometheus();
        gate = QueueingPauseGate.start(new GateSettings(100, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                16, 0, List.of("/healthz")), metrics);
        metrics.bindNetty("test", List.of(loop));
        admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.of(TOKEN), gate, metrics);
        InetSocketAddress bound = admin.start();
        base = URI.create("http://127.0.0.1:" + bound.getPort());
    }

    @AfterEach
    void stop() {
        gate.shutdown().syncUninterruptibly();
        admin.stop().syncUninterruptibly();
        gate.close().syncUninterruptibly();
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws IOException,
            InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, TOKEN);
    }

    private static Status status(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        return Json.lenient().readValue(r.body(), Status.class);
    }

    private static ApiError error(HttpResponse<String> r, int code) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        return Json.lenient().readValue(r.body(), ApiError.class);
    }

    @Test
    void statusSaysTheProxysLimitsAndATtlAboveMaxPauseIsRefusedNotCut() throws Exception {
        assertThat(status(send("GET", "/v1/status", null)).limits())
                .isEqualTo(new Limits(30_000, 300_000, 100, 1 << 20));
        assertThat(error(send("POST", "/v1/pause", "{\"ttl\":\"10m\"}"), 400).message())
                .isEqualTo("ttl 10m is longer than this proxy's max-pause 5m (a pause ends at max-pause from its"
                        + " start, renewals included)");
        Status paused = status(send("POST", "/v1/pause", "{\"ttl\":\"5m\"}"));
        assertThat(paused.limits()).isNotNull();
        assertThat(error(send("POST", "/v1/pause/renew", "{\"lease\":\"" + paused.lease().id()
                + "\",\"ttl\":\"6m\"}"), 400).message()).startsWith("ttl 6m is longer than");
    }

    @Test
    void aFieldOfTheWrongTypeIsNamedInJsonTerms() throws Exception {
        assertThat(error(send("POST", "/v1/pause", "{\"scope\":{\"methods\":\"POST\"}}"), 400).message())
                .isEqualTo("'scope.methods' must be a list of strings, e.g. [\"POST\"]");
        assertThat(error(send("POST", "/v1/pause", "{\"ttl\":[30]}"), 400).message())
                .isEqualTo("'ttl' must be a string, e.g. \"30s\"");
    }

    @Test
    void metricsSayWhenThePauseBeganAndTheQueueTimeout() throws Exception {
        String idle = send("GET", "/metrics", null).body();
        assertThat(idle).contains("pauseproxy_oldest_hold_seconds 0.0", "pauseproxy_pause_started_timestamp_seconds 0.0",
                "pauseproxy_queue_timeout_seconds 30.0");
        long before = System.currentTimeMillis() / 1000;
        status(send("POST", "/v1/pause", "{\"ttl\":\"1m\"}"));
        String paused = send("GET", "/metrics", null).body();
        double started = Double.parseDouble(paused.lines()
                .filter(l -> l.startsWith("pauseproxy_pause_started_timestamp_seconds ")).findFirst().orElseThrow()
                .split(" ")[1]);
        assertThat(started).isBetween((double) before - 1, (double) System.currentTimeMillis() / 1000 + 1);
    }

    @Test
    void healthzIsOpenEverythingElseNeedsTheToken() throws Exception {
        assertThat(send("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> none = send("GET", "/v1/status", null, null);
        assertThat(error(none, 401).error()).isEqualTo("unauthorized");
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(error(send("GET", "/v1/status", null, "wrong"), 401).error()).isEqualTo("unauthorized");
        assertThat(error(send("GET", "/metrics", null, TOKEN + "x"), 401).error()).isEqualTo("unauthorized");
        assertThat(error(send("POST", "/v1/pause", "{}", null), 401).error()).isEqualTo("unauthorized");
        assertThat(gate.state()).isEqualTo(PauseState.RUNNING);
        assertThat(status(send("GET", "/v1/status", null)).state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void statusHasTheDocumentedShape() throws Exception {
        JsonNode json = Json.lenient().readTree(send("GET", "/v1/status", null).body());
        assertThat(json.get("state").asText()).isEqualTo("running");
        for (String field : List.of("queueDepth", "queuedBytes", "inFlight", "oldestHeldMs", "lease", "pausedSince",
                "counters")) {
            assertThat(json.has(field)).as(field).isTrue();
        }
        assertThat(json.get("lease").isNull()).isTrue();
        for (String field : List.of("held", "released", "timedOut", "rejected", "clientGone", "pausesResumed",
                "pausesExpired")) {
            assertThat(json.get("counters").has(field)).as(field).isTrue();
        }
    }

    @Test
    void unknownPathWrongMethodAndBadBodiesAreClearErrors() throws Exception {
        assertThat(error(send("GET", "/v1/nope", null), 404).error()).isEqualTo("not_found");
        HttpResponse<String> wrongMethod = send("POST", "/v1/status", "{}");
        assertThat(error(wrongMethod, 405).error()).isEqualTo("method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("GET");
        assertThat(error(send("GET", "/v1/pause", null), 405).message()).contains("POST");

        ApiError unknownField = error(send("POST", "/v1/pause", "{\"reason\":\"m\",\"tll\":\"30s\"}"), 400);
        assertThat(unknownField.error()).isEqualTo("bad_request");
        assertThat(unknownField.message()).contains("tll");
        assertThat(error(send("POST", "/v1/pause", "{\"ttl\":\"5 minutes\"}"), 400).message()).contains("ttl");
        assertThat(error(send("POST", "/v1/pause", "{\"waitIdle\":\"-1s\"}"), 400).message()).contains("duration");
        assertThat(error(send("POST", "/v1/pause", "{not json"), 400).message()).contains("JSON");
        assertThat(error(send("POST", "/v1/pause", "{\"scope\":{\"pathPrefixes\":[\"api\"]}}"), 400).message())
                .contains("must start with /");
        assertThat(error(send("POST", "/v1/resume", "{}"), 400).message()).contains("lease");
        // Refused on its Content-Length alone, before the body is sent (a raw socket, so the test
        // reads the answer before it would write a body the server will never read).
        try (Socket raw = new Socket("127.0.0.1", base.getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("POST /v1/pause HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(raw.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("\"error\":\"too_large\"");
        }
        assertThat(error(send("POST", "/v1/pause/renew", "{\"ttl\":\"10s\"}"), 400).message()).contains("lease");
        assertThat(gate.state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void pauseConflictRenewAndResumeByLease() throws Exception {
        Status paused = status(send("POST", "/v1/pause",
                "{\"reason\":\"migrate\",\"holder\":\"ops@host\",\"ttl\":\"30s\",\"waitIdle\":\"1s\"}"));
        assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
        assertThat(paused.lease().holder()).isEqualTo("ops@host");
        assertThat(paused.lease().reason()).isEqualTo("migrate");
        assertThat(paused.pausedSince()).isNotNull();
        String lease = paused.lease().id();

        ApiError conflict = error(send("POST", "/v1/pause", "{\"holder\":\"someone-else\"}"), 409);
        assertThat(conflict.error()).isEqualTo("conflict");
        assertThat(conflict.message()).contains("ops@host");

        Status same = status(send("POST", "/v1/pause", "{\"lease\":\"" + lease + "\",\"ttl\":\"60s\"}"));
        assertThat(same.lease().id()).isEqualTo(lease);
        assertThat(same.lease().expiresAt()).isAfter(paused.lease().expiresAt());

        assertThat(error(send("POST", "/v1/pause/renew", "{\"lease\":\"bogus\",\"ttl\":\"10s\"}"), 404).error())
                .isEqualTo("not_found");
        Status renewed = status(send("POST", "/v1/pause/renew", "{\"lease\":\"" + lease + "\",\"ttl\":\"2m\"}"));
        assertThat(renewed.lease().expiresAt()).isAfter(same.lease().expiresAt());

        assertThat(error(send("POST", "/v1/resume", "{\"lease\":\"bogus\"}"), 404).error()).isEqualTo("not_found");
        Status resumed = status(send("POST", "/v1/resume", "{\"lease\":\"" + lease + "\"}"));
        assertThat(resumed.state()).isIn(PauseState.RUNNING, PauseState.DRAINING);
        assertThat(resumed.lease()).isNull();
        assertThat(resumed.counters().pausesResumed()).isEqualTo(1);
        assertThat(error(send("POST", "/v1/resume", "{\"lease\":\"" + lease + "\"}"), 404).message())
                .contains(lease);
        assertThat(status(send("POST", "/v1/resume", "{\"force\":true}")).state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void pauseAnswersPausingWhenWaitIdlePassesThenStatusShowsPausedOnceIdle() throws Exception {
        Probe inFlight = new Probe(loop);
        loop.submit(() -> gate.enter(inFlight)).sync();
        long start = System.nanoTime();
        Status answer = status(send("POST", "/v1/pause", "{\"waitIdle\":\"300ms\"}"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(answer.state()).isEqualTo(PauseState.PAUSING);
        assertThat(answer.inFlight()).isEqualTo(1);
        assertThat(answer.inFlightInScope()).isEqualTo(1);
        loop.submit(() -> gate.exit(inFlight)).sync();
        assertThat(status(send("GET", "/v1/status", null)).state()).isEqualTo(PauseState.PAUSED);
    }

    @Test
    void metricsPublishEveryDocumentedName() throws Exception {
        Status paused = status(send("POST", "/v1/pause", "{}"));
        status(send("POST", "/v1/resume", "{\"lease\":\"" + paused.lease().id() + "\"}"));
        HttpResponse<String> r = send("GET", "/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).contains(
                "pauseproxy_state{state=\"running\"} 1",
                "pauseproxy_state{state=\"paused\"} 0",
                "pauseproxy_queue_depth ",
                "pauseproxy_queue_bytes ",
                "pauseproxy_inflight_requests ",
                "pauseproxy_held_total{outcome=\"released\"}",
                "pauseproxy_held_total{outcome=\"timed_out\"}",
                "pauseproxy_held_total{outcome=\"rejected\"}",
                "pauseproxy_held_total{outcome=\"client_gone\"}",
                "pauseproxy_hold_seconds_bucket",
                "pauseproxy_pauses_total{end=\"resumed\"} 1",
                "pauseproxy_pauses_total{end=\"expired\"} 0",
                "pauseproxy_drain_start_timeouts_total 0",
                "pauseproxy_pause_seconds_count 1",
                "pauseproxy_requests_total{status_class=\"2xx\"}",
                "pauseproxy_request_seconds_bucket",
                "pauseproxy_upstream_errors_total{kind=\"connect\"}",
                "jvm_memory_used_bytes",
                "jvm_gc_collection_seconds_count{gc=",
                "jvm_gc_collection_seconds_sum{gc=",
                "jvm_gc_live_data_size_bytes ",
                "jvm_threads_live_threads",
                "jvm_classes_loaded_classes",
                "process_cpu_usage",
                "netty_allocator_memory_used",
                "netty_eventexecutor_tasks_pending");
    }

    @Test
    void deployedRulesAndDashboardUseOnlyPublishedNames() throws Exception {
        Status paused = status(send("POST", "/v1/pause", "{}"));
        status(send("POST", "/v1/resume", "{\"lease\":\"" + paused.lease().id() + "\"}"));
        String scrape = send("GET", "/metrics", null).body();
        Set<String> published = scrape.lines().filter(l -> !l.startsWith("#"))
                .map(l -> l.replaceAll("[{ ].*", "")).collect(Collectors.toSet());
        Pattern name = Pattern.compile("pauseproxy_[a-z_]+");
        for (String file : List.of("../deploy/prometheus/pauseproxy-rules.yml",
                "../deploy/grafana/pauseproxy-dashboard.json")) {
            Matcher m = name.matcher(Files.readString(Path.of(file)));
            int found = 0;
            while (m.find()) {
                found++;
                assertThat(published).as(file + " uses " + m.group()).contains(m.group());
            }
            assertThat(found).as(file).isGreaterThan(5);
        }
    }

    /** A request that is only ever forwarded in these tests. */
    static final class Probe extends GatedRequest {
        Probe(EventLoop loop) {
            super(loop, "GET", "/slow", "", 64);
        }

        @Override
        protected void onRelease(long heldNanos) {
            throw new AssertionError("never held here");
        }

        @Override
        protected void onRefuse(Refusal why) {
            throw new AssertionError("never held here");
        }
    }
}
