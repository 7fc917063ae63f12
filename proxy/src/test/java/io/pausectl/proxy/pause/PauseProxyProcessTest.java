package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real {@code pause-proxy} command as its own process: both start-up lines with real ports
 * ({@code --admin-listen 127.0.0.1:0}), a pause through the admin API, and SIGTERM while a request
 * is held (answered 503, never forwarded, exit code 0).
 */
class PauseProxyProcessTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theCommandHoldsThroughItsAdminApiAndRefusesHeldRequestsOnSigterm() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyProcess proxy = ProxyProcess.start(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                     "--admin-listen", "127.0.0.1:0", "--queue-timeout", "20s"))) {
            URI admin = URI.create(proxy.adminUrl());
            assertThat(admin.getPort()).isPositive();
            HttpResponse<String> paused = http.send(HttpRequest.newBuilder(admin.resolve("/v1/pause"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"process test\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
            assertThat(Json.lenient().readValue(paused.body(), Status.class).state()).isEqualTo(PauseState.PAUSED);

            try (RawClient c = new RawClient(proxy.clientAddress().getPort())) {
                c.send(request("GET", "/held", "held-at-shutdown"));
                await().atMost(Duration.ofSeconds(10)).until(() -> Json.lenient().readValue(http.send(
                        HttpRequest.newBuilder(admin.resolve("/v1/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body(), Status.class).queueDepth() == 1);
                assertThat(proxy.terminate(Duration.ofSeconds(20))).isZero();
                Response r = c.read();
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.header("retry-after")).isNotNull();
            }
            assertThat(upstream.count("held-at-shutdown")).isZero();
        }
    }
}
