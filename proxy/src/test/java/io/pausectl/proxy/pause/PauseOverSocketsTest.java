package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.TestUpstream;
import io.netty.buffer.PooledByteBufAllocator;
import io.pausectl.api.ApiError;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pause gate end to end over real sockets: the real proxy, gate and admin API in front of a
 * real upstream that records every request id, driven over HTTP.
 */
class PauseOverSocketsTest {
    private static final Pattern SERVER_TIMING = Pattern.compile("pause;dur=(\\d+)");

    private static void awaitQueueDepth(PauseFixture fx, int depth) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> fx.gate().queueDepth() == depth);
    }

    private static long pauseMillis(Response r) {
        String header = r.header("server-timing");
        assertThat(header).as("Server-Timing on a released response").isNotNull();
        Matcher m = SERVER_TIMING.matcher(header);
        assertThat(m.find()).as(header).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void fortyHeldRequestsAreAllAnsweredAfterResumeOnceEachInArrivalOrder() throws Exception {
        // drain-concurrency 1 releases one at a time, so the upstream's arrival order is the
        // release order, which must be the clients' arrival order.
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "1")) {
            Status paused = fx.pause("{\"reason\":\"test\",\"holder\":\"it\"}");
            assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
            List<RawClient> clients = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                RawClient c = fx.client();
                String id = "held-" + i;
                c.send(request("GET", "/r", id));
                clients.add(c);
                ids.add(id);
                awaitQueueDepth(fx, i + 1);
            }
            assertThat(fx.upstream.order()).isEmpty();
            assertThat(fx.status().queueDepth()).isEqualTo(40);

            Status resumed = fx.resume(paused.lease().id());
            assertThat(resumed.state()).isIn(PauseState.DRAINING, PauseState.RUNNING);
            for (int i = 0; i < 40; i++) {
                Response r = clients.get(i).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok " + ids.get(i));
                pauseMillis(r);
            }
            assertThat(fx.upstream.order()).containsExactlyElementsOf(ids);
            assertThat(fx.upstream.duplicates()).isEmpty();
            Status after = fx.status();
            assertThat(after.state()).isEqualTo(PauseState.RUNNING);
            assertThat(after.counters().held()).isEqualTo(40);
            assertThat(after.counters().released()).isEqualTo(40);
            assertThat(after.maxQueueDepth()).isEqualTo(40);
        }
    }

    /**
     * A held upgrade's 101 is a response head like any other released one (RFC 9110 §15.2.2 does
     * not forbid fields on it): it carries the hold in Server-Timing. It had none. The client's
     * first frame, sent with the request while it was held, is the tunnel's first bytes.
     */
    @Test
    void aReleasedUpgradesSwitchCarriesServerTimingAndBecomesATunnel() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"reason\":\"test\",\"holder\":\"it\"}");
            RawClient c = fx.client();
            byte[] frame = "\u0081\u0005hello".getBytes(StandardCharsets.ISO_8859_1);
            c.send("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    + new String(frame, StandardCharsets.ISO_8859_1));
            awaitQueueDepth(fx, 1);
            assertThat(c.silentFor(200)).as("held").isTrue();
            fx.resume(paused.lease().id());
            Response r = c.read();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualTo("websocket");
            assertThat(pauseMillis(r)).isGreaterThanOrEqualTo(200);
            assertThat(c.readRaw(frame.length)).as("the frame sent while held, echoed").isEqualTo(frame);
            assertThat(c.send(frame).readRaw(frame.length)).isEqualTo(frame);
        }
    }

    @Test
    void pastMaxQueuedANewRequestGets503AtOnceAndIsNeverForwarded() throws Exception {
        try (PauseFixture fx = PauseFixture.start("max-queued", "2")) {
            Status paused = fx.pause("{}");
            RawClient a = fx.client().send(request("GET", "/a", "a"));
            RawClient b = fx.client().send(request("GET", "/b", "b"));
            awaitQueueDepth(fx, 2);
            RawClient c = fx.client();
            c.setReadTimeout(3_000);
            Response rejected = c.send(request("GET", "/c", "c")).read();
            assertThat(rejected.status()).isEqualTo(503);
            assertThat(rejected.header("retry-after")).isNotNull();
            fx.resume(paused.lease().id());
            assertThat(a.read().status()).isEqualTo(200);
            assertThat(b.read().status()).isEqualTo(200);
            assertThat(fx.upstream.count("c")).isZero();
            assertThat(fx.status().counters().rejected()).isEqualTo(1);
        }
    }

    @Test
    void heldPastQueueTimeoutGets503WithRetryAfterAndCloseAndIsNeverForwarded() throws Exception {
        try (PauseFixture fx = PauseFixture.start("queue-timeout", "500ms")) {
            Status paused = fx.pause("{}");
            RawClient c = fx.client().send(request("GET", "/t", "timeout"));
            Response r = c.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByServer()).isTrue();
            fx.resume(paused.lease().id());
            RawClient next = fx.client().send(request("GET", "/n", "next"));
            assertThat(next.read().status()).isEqualTo(200);
            assertThat(fx.upstream.count("timeout")).isZero();
            assertThat(fx.status().counters().timedOut()).isEqualTo(1);
        }
    }

    @Test
    void anExpiredLeaseResumesTrafficByItself() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"ttl\":\"1s\"}");
            assertThat(paused.lease().expiresAt()).isNotNull();
            RawClient c = fx.client().send(request("GET", "/e", "expiry"));
            awaitQueueDepth(fx, 1);
            Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(pauseMillis(r)).isBetween(500L, 10_000L);
            Status after = fx.status();
            assertThat(after.state()).isEqualTo(PauseState.RUNNING);
            assertThat(after.lease()).isNull();
            assertThat(after.counters().pausesExpired()).isEqualTo(1);
            assertThat(fx.upstream.count("expiry")).isEqualTo(1);
            HttpResponse<String> gone = fx.admin("POST", "/v1/resume", "{\"lease\":\"" + paused.lease().id() + "\"}");
            assertThat(gone.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aClientThatDisconnectsWhileHeldIsDroppedAndNeverForwarded() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            RawClient c = fx.client().send(request("GET", "/gone", "gone"));
            awaitQueueDepth(fx, 1);
            c.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().counters().clientGone() == 1);
            assertThat(fx.gate().queueDepth()).isZero();
            fx.resume(paused.lease().id());
            Response next = fx.client().send(request("GET", "/n", "next")).read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(fx.upstream.count("gone")).isZero();
            assertThat(fx.status().counters().released()).isZero();
        }
    }

    @Test
    void aClientThatResetsWhileHeldIsDroppedAndNothingIsLeftInFlight() throws Exception {
        // A reset reaches the proxy as a read error before the close: the held request must still
        // be abandoned at the gate, not left queued to be "released" into nothing on resume.
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            RawClient c = fx.client().send("POST /gone HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: reset\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            awaitQueueDepth(fx, 1);
            c.reset();
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().counters().clientGone() == 1);
            assertThat(fx.gate().queueDepth()).isZero();
            fx.resume(paused.lease().id());
            Response next = fx.client().send(request("GET", "/n", "next")).read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(fx.upstream.count("reset")).isZero();
            Status after = fx.status();
            assertThat(after.counters().released()).isZero();
            assertThat(after.inFlight()).isZero();
        }
    }

    @Test
    void aHeldTenMebibytePostIsNotBufferedAndIsForwardedIntactAfterResume() throws Exception {
        int size = 10 << 20;
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            long pinnedBefore = pinned();
            RawClient c = fx.client();
            c.send("POST /upload HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: big\r\nContent-Length: " + size
                    + "\r\n\r\n");
            awaitQueueDepth(fx, 1);
            byte[] body = TestUpstream.pattern(size);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    for (int off = 0; off < size; off += 64 << 10) {
                        int n = Math.min(64 << 10, size - off);
                        byte[] part = new byte[n];
                        System.arraycopy(body, off, part, 0, n);
                        c.send(part);
                        written.addAndGet(n);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "big-post-writer");
            writer.start();
            // Held: the proxy stops reading, so the writer stalls once the socket buffers are full.
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                    .until(() -> written.get() == last.getAndSet(written.get()));
            long pinnedHeld = pinned();
            Status held = fx.status();
            assertThat(held.queueDepth()).isEqualTo(1);
            // The head, the connection and the one socket read that came with the head are
            // accounted (HeldFootprintTest), never the body left in the socket.
            assertThat(held.queuedBytes()).as("what the held request keeps, not its body").isLessThan(128 * 1024);
            assertThat(pinnedHeld - pinnedBefore).as("pooled memory pinned while held").isLessThan(1 << 20);
            assertThat(fx.upstream.count("big")).isZero();

            fx.resume(paused.lease().id());
            writer.join(20_000);
            assertThat(written.get()).isEqualTo(size);
            Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(fx.upstream.bodyLength("big")).isEqualTo((long) size);
            assertThat(fx.upstream.bodyIntact("big")).isTrue();
            assertThat(fx.upstream.count("big")).isEqualTo(1);
        }
    }

    private static long pinned() {
        return PooledByteBufAllocator.DEFAULT.pinnedDirectMemory() + PooledByteBufAllocator.DEFAULT.pinnedHeapMemory();
    }

    @Test
    void inFlightRequestsFinishAndWaitIdleReportsPausingUntilTheyDo() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            RawClient slow = fx.client().send(request("GET", "/slow?ms=1500", "slow"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.active() == 1);
            Status pausing = fx.pause("{\"waitIdle\":\"300ms\"}");
            assertThat(pausing.state()).isEqualTo(PauseState.PAUSING);
            assertThat(pausing.inFlight()).isEqualTo(1);
            assertThat(pausing.inFlightInScope()).isEqualTo(1);
            RawClient later = fx.client().send(request("GET", "/later", "later"));
            awaitQueueDepth(fx, 1);
            Response r = slow.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("server-timing")).as("never held").isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().state() == PauseState.PAUSED);
            assertThat(fx.upstream.count("later")).isZero();
            fx.resume(pausing.lease().id());
            assertThat(later.read().status()).isEqualTo(200);
        }
    }

    @Test
    void pauseReturnsPausedOnceInFlightWorkEndsWithinWaitIdle() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            RawClient slow = fx.client().send(request("GET", "/slow?ms=500", "slow"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.active() == 1);
            Status paused = fx.pause("{\"waitIdle\":\"10s\"}");
            assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
            assertThat(slow.read().status()).isEqualTo(200);
        }
    }

    @Test
    void aScopedPauseHoldsOnlyWritesWhileReadsFlow() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"scope\":{\"methods\":[\"POST\",\"PUT\"]}}");
            RawClient write = fx.client().send(request("POST", "/orders", "write"));
            awaitQueueDepth(fx, 1);
            Response read = fx.client().send(request("GET", "/orders", "read")).read();
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.header("server-timing")).isNull();
            assertThat(fx.upstream.count("write")).isZero();
            fx.resume(paused.lease().id());
            Response w = write.read();
            assertThat(w.status()).isEqualTo(200);
            pauseMillis(w);
        }
    }

    @Test
    void aBypassPathIsNeverHeld() throws Exception {
        try (PauseFixture fx = PauseFixture.start("bypass-path", "/healthz")) {
            fx.pause("{}");
            Response r = fx.client().send(request("GET", "/healthz/ready", "probe")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(fx.gate().queueDepth()).isZero();
            assertThat(fx.status().counters().held()).isZero();
        }
    }

    @Test
    void drainReleasesAtMostDrainConcurrencyAtOnce() throws Exception {
        // While their answers have not started (the upstream parks them) and within
        // drain-start-timeout, which a long one keeps from freeing the slots here.
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "2", "drain-start-timeout", "1h")) {
            Status paused = fx.pause("{}");
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                clients.add(fx.client().send(request("GET", "/park", "p" + i)));
            }
            awaitQueueDepth(fx, 6);
            fx.resume(paused.lease().id());
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.parked() == 2);
            assertThat(fx.status().state()).isEqualTo(PauseState.DRAINING);
            assertThat(fx.status().queueDepth()).isEqualTo(4);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                fx.upstream.unpark();
                return fx.upstream.order().size() == 6 && fx.upstream.parked() == 0;
            });
            for (RawClient c : clients) {
                assertThat(c.read().status()).isEqualTo(200);
            }
            assertThat(fx.upstream.maxActive()).isEqualTo(2);
            assertThat(fx.upstream.order()).hasSize(6);
        }
    }

    @Test
    void aPipelinedRequestStaysBehindAHeldOne() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            RawClient c = fx.client().send(request("GET", "/first", "first") + request("GET", "/second", "second"));
            awaitQueueDepth(fx, 1);
            assertThat(c.silentFor(300)).isTrue();
            assertThat(fx.status().counters().held()).as("the second is not even admitted").isEqualTo(1);
            fx.resume(paused.lease().id());
            assertThat(c.read().bodyText()).isEqualTo("ok first");
            assertThat(c.read().bodyText()).isEqualTo("ok second");
            assertThat(fx.upstream.order()).containsExactly("first", "second");
        }
    }

    @Test
    void expectContinueIsAnsweredOnlyOnRelease() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{}");
            RawClient c = fx.client().send("POST /upload HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: expect\r\n"
                    + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            awaitQueueDepth(fx, 1);
            assertThat(c.silentFor(300)).as("no 100 Continue while held").isTrue();
            fx.resume(paused.lease().id());
            Response interim = c.read();
            assertThat(interim.status()).isEqualTo(100);
            Response r = c.send("abcde").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(fx.upstream.bodyLength("expect")).isEqualTo(5L);
        }
    }

    @Test
    void drainRateSpacesReleases() throws Exception {
        try (PauseFixture fx = PauseFixture.start("drain-rate", "10")) {
            Status paused = fx.pause("{}");
            List<RawClient> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                clients.add(fx.client().send(request("GET", "/r", "rate" + i)));
            }
            awaitQueueDepth(fx, 5);
            long start = System.nanoTime();
            fx.resume(paused.lease().id());
            for (RawClient c : clients) {
                assertThat(c.read().status()).isEqualTo(200);
            }
            // 10 per second: the fifth release comes at least 400 ms after the first.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void adminAnswersConflictNotFoundUnauthorizedAndBadRequest(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "t0ken\n", StandardCharsets.UTF_8);
        try (PauseFixture fx = PauseFixture.start("admin-token-file", tokenFile.toString())) {
            Status paused = fx.pause("{\"holder\":\"first\"}");
            assertError(fx.admin("POST", "/v1/pause", "{\"holder\":\"second\"}"), 409, "conflict");
            assertError(fx.admin("POST", "/v1/resume", "{\"lease\":\"not-it\"}"), 404, "not_found");
            assertError(fx.admin("POST", "/v1/pause/renew", "{\"lease\":\"not-it\",\"ttl\":\"1m\"}"), 404, "not_found");
            assertError(fx.admin("POST", "/v1/pause/renew", "{\"lease\":\"" + paused.lease().id()
                    + "\",\"ttl\":\"forever\"}"), 400, "bad_request");
            java.net.http.HttpRequest noToken = java.net.http.HttpRequest.newBuilder(fx.admin.resolve("/v1/status"))
                    .GET().build();
            HttpResponse<String> unauthorized = java.net.http.HttpClient.newHttpClient().send(noToken,
                    HttpResponse.BodyHandlers.ofString());
            assertError(unauthorized, 401, "unauthorized");
            assertThat(fx.resume(paused.lease().id()).lease()).isNull();
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.lenient().readValue(r.body(), ApiError.class).error()).isEqualTo(code);
    }

    @Test
    void shutdownAnswersHeldRequests503SafeToRetry() throws Exception {
        PauseFixture fx = PauseFixture.start();
        try {
            fx.pause("{}");
            RawClient c = fx.client().send(request("GET", "/s", "shutdown"));
            awaitQueueDepth(fx, 1);
            Thread stopper = new Thread(() -> {
                try {
                    fx.proxy.shutdown(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopper.start();
            Response r = c.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            // As a client does after "Connection: close": else the proxy lingers on the connection
            // until the grace period ends, and warns that it closed a busy connection.
            c.close();
            stopper.join(10_000);
            assertThat(fx.upstream.count("shutdown")).isZero();
            assertThat(fx.gate().counters().shutdown()).isEqualTo(1);
        } finally {
            fx.close();
        }
    }
}
