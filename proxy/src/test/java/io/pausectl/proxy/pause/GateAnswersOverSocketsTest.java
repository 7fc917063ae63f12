package io.pausectl.proxy.pause;

import io.pausectl.api.HeldList;
import io.pausectl.api.Json;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: every 503 the pause gate writes to a client, over real sockets, says what happened in
 * the client's terms. The old proxy wrote "paused, held too long (timed_out)" (an enum constant),
 * and "held too long (shutdown)" to a request held when the proxy stopped.
 */
class GateAnswersOverSocketsTest {

    /** Words of the proxy's insides a client must never read. */
    private static final List<String> INTERNAL = List.of("timed_out", "TIMED_OUT", "SHUTDOWN", "CANCELLED",
            "MAINTENANCE", "REJECTED", "queue-timeout", "max-queued", "held too long", "_");

    private static void awaitQueueDepth(PauseFixture fx, int depth) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> fx.gate().queueDepth() == depth);
    }

    private static String refusal(Response r) {
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isNotNull();
        String body = r.bodyText();
        assertThat(body).startsWith("503 Service Unavailable: ").contains("not forwarded", "safe to retry")
                .doesNotContain(INTERNAL);
        return body;
    }

    @Test
    void aRequestHeldPastTheQueueTimeoutIsToldHowLongItWaited() throws Exception {
        try (PauseFixture fx = PauseFixture.start("queue-timeout", "300ms")) {
            fx.pause("{}");
            RawClient c = fx.client();
            c.setReadTimeout(10_000);
            String body = refusal(c.send(request("GET", "/orders", "late")).read());
            assertThat(body).contains("paused", "waited 300ms");
            assertThat(fx.upstream.count("late")).isZero();
        }
    }

    @Test
    void aCancelledOneAFullQueueAndAShutdownEachSayWhatHappened() throws Exception {
        PauseFixture fx = PauseFixture.start("max-queued", "2");
        try {
            fx.pause("{}");
            RawClient cancelled = fx.client().send(request("GET", "/a", "cancelled"));
            awaitQueueDepth(fx, 1);
            RawClient atShutdown = fx.client().send(request("GET", "/b", "shutdown"));
            awaitQueueDepth(fx, 2);
            RawClient full = fx.client();
            full.setReadTimeout(10_000);
            assertThat(refusal(full.send(request("GET", "/c", "full")).read()))
                    .contains("paused", "holds all the requests it can");

            HttpResponse<String> list = fx.admin("GET", "/v1/held", null);
            long id = Json.lenient().readValue(list.body(), HeldList.class).held().get(0).id();
            assertThat(fx.admin("POST", "/v1/held/cancel", "{\"id\":" + id + "}").statusCode()).isEqualTo(200);
            cancelled.setReadTimeout(10_000);
            assertThat(refusal(cancelled.read())).contains("an operator cancelled this held request");

            atShutdown.setReadTimeout(10_000);
            full.close();
            cancelled.close();
            // The proxy waits for its clients to take their answers (a lingering close): read meanwhile.
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
                try {
                    return fx.proxy.shutdown(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
            assertThat(refusal(atShutdown.read())).contains("shutting down");
            atShutdown.close();
            assertThat(stopped.get(20, TimeUnit.SECONDS)).as("every connection finished within the grace").isTrue();
        } finally {
            fx.close();
        }
    }
}
