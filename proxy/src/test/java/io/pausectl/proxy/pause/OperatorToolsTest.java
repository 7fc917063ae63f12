package io.pausectl.proxy.pause;

import io.pausectl.api.HeldList;
import io.pausectl.api.HeldRequest;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 item 8, the operator's tools over real sockets: maintenance mode (503 at once with the
 * message and Retry-After, leased, apart from any pause), the list of held requests and cancelling
 * one. Each fails on a proxy without them (its admin API answers 404).
 */
class OperatorToolsTest {

    private static void awaitQueueDepth(PauseFixture fx, int depth) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> fx.gate().queueDepth() == depth);
    }

    private static HeldList held(PauseFixture fx, String query) throws Exception {
        HttpResponse<String> r = fx.admin("GET", "/v1/held" + query, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.lenient().readValue(r.body(), HeldList.class);
    }

    @Test
    void maintenanceAnswersInScopeRequestsAtOnceWithItsMessageAndRetryAfterAndNeverForwards() throws Exception {
        try (PauseFixture fx = PauseFixture.start("bypass-path", "/healthz")) {
            Status on = fx.status(fx.admin("POST", "/v1/maintenance",
                    "{\"message\":\"orders are being migrated, back at 14:00\",\"retryAfter\":\"2m\","
                            + "\"holder\":\"ops\",\"scope\":{\"pathPrefixes\":[\"/orders\"]}}"));
            assertThat(on.maintenance()).isNotNull();
            assertThat(on.maintenance().retryAfterSeconds()).isEqualTo(120);
            assertThat(on.maintenance().expiresAt()).isAfter(Instant.now());
            assertThat(on.state()).isEqualTo(PauseState.RUNNING);

            RawClient c = fx.client();
            c.setReadTimeout(5_000);
            Response refused = c.send(request("GET", "/orders/1", "m1")).read();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("retry-after")).isEqualTo("120");
            assertThat(refused.bodyText()).contains("orders are being migrated, back at 14:00");
            // Outside its scope, and bypass paths, pass; the connection stayed usable.
            assertThat(c.send(request("GET", "/catalog", "m2")).read().status()).isEqualTo(200);
            assertThat(fx.client().send(request("GET", "/healthz", "m3")).read().status()).isEqualTo(200);
            assertThat(fx.upstream.count("m1")).isZero();

            String metrics = fx.admin("GET", "/metrics", null).body();
            assertThat(metrics).contains("pauseproxy_maintenance_active 1.0", "pauseproxy_maintenance_answered_total 1.0");

            // Off: the same request goes through.
            Status off = fx.status(fx.admin("POST", "/v1/maintenance/off", "{\"lease\":\"" + on.maintenance().id() + "\"}"));
            assertThat(off.maintenance()).isNull();
            assertThat(fx.client().send(request("GET", "/orders/1", "m4")).read().status()).isEqualTo(200);
            assertThat(fx.admin("GET", "/metrics", null).body()).contains("pauseproxy_maintenance_active 0.0");
        }
    }

    @Test
    void maintenanceIsALeaseThatEndsByItselfAndASecondOneIsAConflictUnlessItNamesTheLease() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status on = fx.status(fx.admin("POST", "/v1/maintenance", "{\"message\":\"down\",\"ttl\":\"1s\"}"));
            String lease = on.maintenance().id();
            HttpResponse<String> second = fx.admin("POST", "/v1/maintenance", "{\"message\":\"other\"}");
            assertThat(second.statusCode()).isEqualTo(409);
            assertThat(second.body()).contains("already on", lease);
            // Naming its lease changes the message and renews it.
            Status changed = fx.status(fx.admin("POST", "/v1/maintenance",
                    "{\"message\":\"still down\",\"ttl\":\"1s\",\"lease\":\"" + lease + "\"}"));
            assertThat(changed.maintenance().id()).isEqualTo(lease);
            assertThat(changed.maintenance().message()).isEqualTo("still down");
            // Nobody renews it: it ends by itself (a crashed controller never leaves it on).
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().maintenance() == null);
            assertThat(fx.client().send(request("GET", "/x", "after")).read().status()).isEqualTo(200);
            assertThat(fx.admin("POST", "/v1/maintenance/off", "{\"lease\":\"" + lease + "\"}").statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void maintenanceAndAPauseAreApartTurningItOnAnswersTheHeldRequestsInItsScope() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"reason\":\"migrate\"}");
            RawClient orders = fx.client().send(request("GET", "/orders/9", "held-orders"));
            RawClient catalog = fx.client().send(request("GET", "/catalog", "held-catalog"));
            awaitQueueDepth(fx, 2);

            Status on = fx.status(fx.admin("POST", "/v1/maintenance",
                    "{\"message\":\"orders closed\",\"scope\":{\"pathPrefixes\":[\"/orders\"]}}"));
            Response r = orders.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.bodyText()).contains("orders closed");
            assertThat(r.header("retry-after")).isEqualTo("60");
            awaitQueueDepth(fx, 1);
            assertThat(on.lease().id()).isEqualTo(paused.lease().id());

            // Resuming the pause releases what maintenance does not cover, and leaves maintenance on.
            Status resumed = fx.resume(paused.lease().id());
            assertThat(resumed.maintenance()).isNotNull();
            assertThat(catalog.read().status()).isEqualTo(200);
            assertThat(fx.upstream.count("held-orders")).isZero();
            Status after = fx.status();
            assertThat(after.counters().maintenance()).isEqualTo(1);
            assertThat(after.counters().released()).isEqualTo(1);
            assertThat(fx.client().send(request("GET", "/orders/10", "late")).read().status()).isEqualTo(503);
        }
    }

    @Test
    void heldRequestsAreListedOldestFirstAndOneCancelledIsAnswered503AndNeverForwarded() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            RawClient first = fx.client().send(request("POST", "/orders", "first"));
            awaitQueueDepth(fx, 1);
            RawClient second = fx.client().send(request("GET", "/catalog?secret=1", "second"));
            awaitQueueDepth(fx, 2);

            HeldList list = held(fx, "");
            assertThat(list.total()).isEqualTo(2);
            assertThat(list.held()).extracting(HeldRequest::method, HeldRequest::path, HeldRequest::host)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("POST", "/orders", "app.test"),
                            org.assertj.core.groups.Tuple.tuple("GET", "/catalog", "app.test"));
            assertThat(list.held().get(0).client()).startsWith("127.0.0.1:");
            assertThat(list.held().get(0).ageMs()).isGreaterThanOrEqualTo(list.held().get(1).ageMs());
            assertThat(held(fx, "?limit=1").held()).hasSize(1);
            assertThat(fx.admin("GET", "/v1/held?limit=0", null).statusCode()).isEqualTo(400);

            long id = list.held().get(0).id();
            HttpResponse<String> cancel = fx.admin("POST", "/v1/held/cancel", "{\"id\":" + id + "}");
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
            Response r = first.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            awaitQueueDepth(fx, 1);
            assertThat(fx.admin("POST", "/v1/held/cancel", "{\"id\":" + id + "}").statusCode()).isEqualTo(404);
            assertThat(fx.admin("POST", "/v1/held/cancel", "{\"id\":\"x\"}").statusCode()).isEqualTo(400);

            fx.resume(paused.lease().id());
            assertThat(second.read().status()).isEqualTo(200);
            assertThat(fx.upstream.count("first")).isZero();
            Status after = fx.status();
            assertThat(after.counters().cancelled()).isEqualTo(1);
            assertThat(fx.admin("GET", "/metrics", null).body())
                    .contains("pauseproxy_held_total{outcome=\"cancelled\"} 1.0");
        }
    }
}
