package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import io.pausectl.api.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 item 8 through the real CLI (its own process) against a real pause-proxy process:
 * {@code pausectl maintenance on|off} and {@code pausectl held [cancel ID]}. On a pausectl without
 * these commands each fails with a usage error (exit 2).
 */
class OperatorCommandsIntegrationTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ProxyCliFixture fixture;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        fixture = ProxyCliFixture.start(dir);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private PausectlProcess pausectl(String... args) throws IOException {
        return fixture.pausectl(args);
    }

    private Status status() throws Exception {
        return fixture.status();
    }

    private CompletableFuture<HttpResponse<String>> send(String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(fixture.proxy().clientUrl() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void maintenanceOnAnswers503WithTheMessageAndOffEndsIt() throws Exception {
        PausectlProcess on = pausectl("maintenance", "on", "--message", "back at 14:00", "--retry-after", "2m",
                "--scope-path", "/orders");
        assertThat(on.waitFor(EXIT)).as(on.err()).isZero();
        assertThat(on.out()).contains("maintenance on, lease ", "answering 503 \"back at 14:00\" with Retry-After 120s",
                "turn it off with: pausectl");

        HttpResponse<String> refused = send("/orders/1").get(20, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("retry-after")).hasValue("120");
        assertThat(refused.body()).contains("back at 14:00");
        assertThat(send("/catalog").get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        // status shows maintenance mode, in text and JSON, and counts the request it answered.
        PausectlProcess shown = pausectl("status");
        assertThat(shown.waitFor(EXIT)).as(shown.err()).isZero();
        assertThat(shown.out()).contains("maintenance   on, lease ", "answering 503 \"back at 14:00\" with Retry-After"
                + " 120s", "unless renewed; scope methods all, paths /orders, hosts all",
                "answered at once: rejected 0, maintenance 1;");
        PausectlProcess watched = pausectl("status", "--watch", "--count", "1");
        assertThat(watched.waitFor(EXIT)).as(watched.err()).isZero();
        assertThat(watched.out()).contains("running  maintenance on  held");
        PausectlProcess json = pausectl("-o", "json", "status");
        assertThat(json.waitFor(EXIT)).as(json.err()).isZero();
        JsonNode target = Json.lenient().readTree(json.out()).get("targets").get(0).get("status");
        assertThat(target.get("maintenance").get("message").asText()).isEqualTo("back at 14:00");
        assertThat(target.get("counters").get("maintenanceAnswered").asLong()).isEqualTo(1);

        PausectlProcess again = pausectl("maintenance", "on", "--message", "other");
        assertThat(again.waitFor(EXIT)).as(again.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("already on");

        PausectlProcess off = pausectl("maintenance", "off");
        assertThat(off.waitFor(EXIT)).as(off.err()).isZero();
        assertThat(off.out()).contains("maintenance off");
        assertThat(status().maintenance()).isNull();
        assertThat(send("/orders/1").get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        PausectlProcess offAgain = pausectl("maintenance", "off");
        assertThat(offAgain.waitFor(EXIT)).as(offAgain.err()).isZero();
        assertThat(offAgain.out()).contains("maintenance was not on");

        PausectlProcess noMessage = pausectl("maintenance", "on");
        assertThat(noMessage.waitFor(EXIT)).isEqualTo(ExitCodes.USAGE);
        assertThat(noMessage.err()).contains("--message");
        PausectlProcess badRetry = pausectl("maintenance", "on", "--message", "m", "--retry-after", "1.5s");
        assertThat(badRetry.waitFor(EXIT)).isEqualTo(ExitCodes.USAGE);
        assertThat(badRetry.err()).contains("--retry-after", "whole seconds");
        assertThat(status().maintenance()).isNull();
    }

    @Test
    void heldListsTheHeldRequestsAndCancelAnswersOne503NeverForwarded() throws Exception {
        PausectlProcess pause = pausectl("pause", "--ttl", "30s", "--reason", "test");
        assertThat(pause.waitFor(EXIT)).as(pause.err()).isZero();
        long before = fixture.upstream().received();
        CompletableFuture<HttpResponse<String>> first = send("/orders/1?token=secret");
        await().atMost(Duration.ofSeconds(20)).until(() -> status().queueDepth() == 1);
        CompletableFuture<HttpResponse<String>> second = send("/catalog");
        await().atMost(Duration.ofSeconds(20)).until(() -> status().queueDepth() == 2);

        PausectlProcess list = pausectl("held");
        assertThat(list.waitFor(EXIT)).as(list.err()).isZero();
        assertThat(list.out()).contains("2 requests held", "GET", "/orders/1", "/catalog", "127.0.0.1:")
                .doesNotContain("secret");

        PausectlProcess json = pausectl("-o", "json", "held", "--limit", "1");
        assertThat(json.waitFor(EXIT)).as(json.err()).isZero();
        JsonNode listed = Json.lenient().readTree(json.out()).get(0);
        assertThat(listed.get("total").asInt()).isEqualTo(2);
        assertThat(listed.get("held")).hasSize(1);
        JsonNode oldest = listed.get("held").get(0);
        assertThat(oldest.get("path").asText()).isEqualTo("/orders/1");
        long id = oldest.get("id").asLong();

        PausectlProcess cancel = pausectl("held", "cancel", Long.toString(id));
        assertThat(cancel.waitFor(EXIT)).as(cancel.err()).isZero();
        Matcher m = Pattern.compile("cancelled held request " + id + " \\(GET /orders/1 from 127\\.0\\.0\\.1:\\d+")
                .matcher(cancel.out());
        assertThat(m.find()).as(cancel.out()).isTrue();
        HttpResponse<String> cancelled = first.get(20, TimeUnit.SECONDS);
        assertThat(cancelled.statusCode()).isEqualTo(503);
        assertThat(cancelled.headers().firstValue("retry-after")).isPresent();

        PausectlProcess totals = pausectl("status");
        assertThat(totals.waitFor(EXIT)).as(totals.err()).isZero();
        assertThat(totals.out()).contains("totals        held 2: released 0, timed out 0, client gone 0, cancelled 1,"
                + " maintenance 0, shutdown 0");
        PausectlProcess totalsJson = pausectl("-o", "json", "status");
        assertThat(totalsJson.waitFor(EXIT)).as(totalsJson.err()).isZero();
        JsonNode counters = Json.lenient().readTree(totalsJson.out()).get("targets").get(0).get("status").get("counters");
        assertThat(counters.get("cancelled").asLong()).isEqualTo(1);
        assertThat(counters.has("shutdown") && counters.has("maintenance")).isTrue();

        PausectlProcess gone = pausectl("held", "cancel", Long.toString(id));
        assertThat(gone.waitFor(EXIT)).isEqualTo(ExitCodes.ERROR);
        assertThat(gone.err()).contains("request " + id + " is not held");
        PausectlProcess bad = pausectl("held", "--limit", "0");
        assertThat(bad.waitFor(EXIT)).isEqualTo(ExitCodes.USAGE);

        PausectlProcess resume = pausectl("resume", "--force");
        assertThat(resume.waitFor(EXIT)).as(resume.err()).isZero();
        assertThat(second.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // Only the released one reached the upstream; the cancelled one never did.
        assertThat(fixture.upstream().received() - before).isEqualTo(1);
        assertThat(fixture.upstream().paths()).doesNotContain("/orders/1");
        assertThat(status().counters().cancelled()).isEqualTo(1);
    }
}
