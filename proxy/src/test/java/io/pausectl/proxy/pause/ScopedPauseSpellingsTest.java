package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A scoped pause cannot be walked around by spelling an in-scope path or host another way that an
 * origin reads the same ("hold when in doubt"): every spelling is held, none reaches the upstream
 * before the resume, and each is forwarded once after it.
 */
class ScopedPauseSpellingsTest {
    private static final List<String> ORDERS_SPELLINGS = List.of("/%6Frders/1", "/%6frders/2", "/./orders/3",
            "/static/../orders/4", "/x/../orders/5", "/%20/../orders/6", "//orders/7", "/%2Forders/8",
            "/%2e/orders/9", "/x/%2E%2E/orders/10", "/x%2F..%2Forders/11", "/orders;v=1/12", "/%256Frders/13",
            "/.//orders/14", "/a//../orders/15", "/ORDERS/16", "/Orders/17", "/%4Frders/18");

    private static void awaitHeld(PauseFixture fx, int n) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> fx.gate().queueDepth() == n);
    }

    private static String get(String target, String host, String id) {
        return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nX-Req-Id: " + id + "\r\n\r\n";
    }

    private static void holdAllThenReleaseAll(PauseFixture fx, Status paused, List<String> requests) throws Exception {
        List<RawClient> clients = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            clients.add(fx.client().send(requests.get(i)));
            awaitHeld(fx, i + 1);
        }
        for (int i = 0; i < requests.size(); i++) {
            assertThat(fx.upstream.count("s" + i)).as(requests.get(i)).isZero();
        }
        fx.resume(paused.lease().id());
        for (int i = 0; i < clients.size(); i++) {
            assertThat(clients.get(i).read().status()).as(requests.get(i)).isEqualTo(200);
            assertThat(fx.upstream.count("s" + i)).isEqualTo(1);
        }
    }

    @Test
    void everySpellingOfAnInScopePathIsHeld() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"pathPrefixes\":[\"/orders\"]}}");
            Response other = fx.client().send(get("/status", "app.test", "other")).read();
            assertThat(other.status()).as("out of scope still flows").isEqualTo(200);
            List<String> requests = new ArrayList<>();
            for (int i = 0; i < ORDERS_SPELLINGS.size(); i++) {
                requests.add(get(ORDERS_SPELLINGS.get(i), "app.test", "s" + i));
            }
            holdAllThenReleaseAll(fx, paused, requests);
        }
    }

    @Test
    void aPrefixGivenInAnotherSpellingHoldsThePlainPath() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"pathPrefixes\":[\"/%6frders/../orders\"]}}");
            holdAllThenReleaseAll(fx, paused, List.of(get("/orders/1", "app.test", "s0")));
        }
    }

    @Test
    void everySpellingOfAnInScopeHostIsHeld() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"hosts\":[\"api.example.com\"]}}");
            Response other = fx.client().send(get("/x", "www.example.com", "other")).read();
            assertThat(other.status()).as("another host still flows").isEqualTo(200);
            holdAllThenReleaseAll(fx, paused, List.of(
                    get("/x", "api.example.com.", "s0"),
                    get("/x", "API.EXAMPLE.COM.:80", "s1"),
                    get("http://api.example.com./x", "www.example.com", "s2"),
                    get("/x", "Api.Example.Com:8080", "s3"),
                    "GET /x HTTP/1.0\r\nX-Req-Id: s4\r\n\r\n"));
        }
    }

    @Test
    void aMethodInAnotherLetterCaseIsHeld() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"methods\":[\"POST\"]}}");
            Response read = fx.client().send(get("/x", "app.test", "read")).read();
            assertThat(read.status()).as("GET still flows").isEqualTo(200);
            holdAllThenReleaseAll(fx, paused, List.of(
                    "post /x HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: s0\r\nContent-Length: 0\r\n\r\n",
                    "Post /x HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: s1\r\nContent-Length: 0\r\n\r\n"));
        }
    }

    /**
     * A GET that asks the origin to act as a DELETE (method-override headers in any spelling, a
     * {@code _method} query parameter) is held by a scope of DELETE; a plain GET, or one whose
     * override stays out of scope, still flows.
     */
    @Test
    void aMethodOverrideIntoTheScopeIsHeld() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"methods\":[\"POST\",\"DELETE\"]}}");
            for (String flows : List.of(get("/x", "app.test", "plain"),
                    "GET /x HTTP/1.1\r\nHost: app.test\r\nX-HTTP-Method-Override: GET\r\nX-Req-Id: get\r\n\r\n",
                    get("/x?method=DELETE&_methods=DELETE", "app.test", "other-param"))) {
                assertThat(fx.client().send(flows).read().status()).as(flows).isEqualTo(200);
            }
            List<String> held = new ArrayList<>();
            for (String header : List.of("X-HTTP-Method-Override: DELETE", "x-http-method-override: delete",
                    "X-HTTP-Method: DELETE", "X-Method-Override: DELETE", "X_HTTP_METHOD_OVERRIDE: DELETE",
                    "X-Http_Method: Delete", "X-HTTP-Method-Override: GET, DELETE",
                    "X-HTTP-Method-Override: GET\r\nX-HTTP-Method-Override: DELETE",
                    "X-HTTP-Method-Override: POST")) {
                held.add("GET /x HTTP/1.1\r\nHost: app.test\r\n" + header + "\r\nX-Req-Id: s" + held.size()
                        + "\r\n\r\n");
            }
            for (String target : List.of("/x?_method=DELETE", "/x?a=1&_method=delete", "/x?%5Fmethod=DELETE",
                    "/x?a=1;_METHOD=DE%4CETE", "/x?_method=GET&_method=DELETE")) {
                held.add(get(target, "app.test", "s" + held.size()));
            }
            holdAllThenReleaseAll(fx, paused, held);
        }
    }

    /**
     * A POST with a body may name another method inside it ({@code _method} in a Rails or Laravel
     * form, or Laravel's JSON), which the proxy does not read: a method scope without POST holds it.
     */
    @Test
    void aPostWithABodyIsHeldByAnyMethodScope() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"methods\":[\"DELETE\"]}}");
            assertThat(fx.client().send("POST /x HTTP/1.1\r\nHost: app.test\r\nContent-Length: 0\r\n"
                    + "X-Req-Id: empty\r\n\r\n").read().status()).as("a POST without a body flows").isEqualTo(200);
            holdAllThenReleaseAll(fx, paused, List.of(
                    "POST /x HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                            + "Content-Length: 14\r\nX-Req-Id: s0\r\n\r\n_method=delete",
                    "POST /x HTTP/1.1\r\nHost: app.test\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\nX-Req-Id: s1\r\n\r\n14\r\n{\"_method\":\"DELETE\"}\r\n0\r\n\r\n"));
        }
    }

    @Test
    void aBypassPathCannotCarryAnInScopePath() throws Exception {
        try (PauseFixture fx = PauseFixture.start("bypass-path", "/healthz")) {
            Status paused = fx.pause("{}");
            Response probe = fx.client().send(get("/healthz/ready", "app.test", "probe")).read();
            assertThat(probe.status()).isEqualTo(200);
            holdAllThenReleaseAll(fx, paused, List.of(
                    get("/healthz/../orders/1", "app.test", "s0"),
                    get("/healthz/%2e%2e/orders/2", "app.test", "s1"),
                    get("/healthz%2F..%2Forders/3", "app.test", "s2")));
        }
    }
}
