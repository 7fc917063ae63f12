package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edges of a window (review, session 7): a released request held its drain slot until its
 * whole exchange ended, so released long-polls, event streams, downloads read slowly and slow
 * uploads kept the drain from releasing anything else, and the held requests behind them, and
 * every request arriving after the resume, got 503 at their queue timeout although the pause had
 * ended long before. A slot now covers the upstream's start of a released request only: it is free
 * once the response head arrives, and at the latest {@code --drain-start-timeout} after the release.
 *
 * <p>Each test but the last fails on the old code with 503s at the queue timeout (5 to 8 s). Where a
 * test proves the head frees the slot, {@code --drain-start-timeout} is a minute, so that only the
 * head can free it. The origin's pace (parked answers, a stream that never ends, a big body)
 * makes the slow requests; the test never sleeps.
 */
class DrainSlotsTest {
    private static final String PAUSE = "{\"reason\":\"window\",\"holder\":\"it\",\"ttl\":\"1m\"}";

    private static void awaitHeld(PauseFixture fx, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().queueDepth() == n);
    }

    /** Sends {@code count} GETs that the gate holds (the queue grows to {@code heldBefore + count}). */
    private static List<RawClient> heldGets(PauseFixture fx, String prefix, int count, int heldBefore)
            throws Exception {
        List<RawClient> gets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            gets.add(fx.client().send(request("GET", "/r", prefix + i)));
            awaitHeld(fx, heldBefore + i + 1);
        }
        return gets;
    }

    private static void assertAnswered(List<RawClient> clients, String what) throws Exception {
        for (int i = 0; i < clients.size(); i++) {
            RawClient c = clients.get(i);
            c.setReadTimeout(30_000);
            Response r = c.read();
            assertThat(r.status()).as("%s %d: %s", what, i, r.bodyText()).isEqualTo(200);
        }
    }

    @Test
    void longPollsReleasedFirstDoNotStallTheRequestsBehindThemNorNewOnes() throws Exception {
        // Review (a) and (b): long-polls take every slot; before, 2 held and 2 new GETs got 503 at
        // the queue timeout. Now each long-poll gives its slot back after drain-start-timeout (1 s).
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "2", "queue-timeout", "6s")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> polls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                polls.add(fx.client().send(request("GET", "/park", "poll-" + i)));
                awaitHeld(fx, i + 1);
            }
            List<RawClient> gets = heldGets(fx, "held-", 2, 4);
            fx.resume(paused.lease().id());
            for (int i = 0; i < 2; i++) {
                gets.add(fx.client().send(request("GET", "/r", "new-" + i)));
            }
            assertAnswered(gets, "a GET behind long-polls");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.parked() == 4);
            fx.upstream.unpark();
            assertAnswered(polls, "a long-poll");
            assertThat(fx.upstream.duplicates()).isEmpty();
            assertThat(fx.status().counters().timedOut()).isZero();
        }
    }

    @Test
    void anEventStreamFreesItsSlotWithItsHead() throws Exception {
        // /trickle: a head and the start of a body, then an open, silent connection (an event stream).
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "1", "queue-timeout", "5s",
                "drain-start-timeout", "1m")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                streams.add(fx.client().send(request("GET", "/trickle?chunked=1", "stream-" + i)));
                awaitHeld(fx, i + 1);
            }
            List<RawClient> gets = heldGets(fx, "held-", 2, 3);
            fx.resume(paused.lease().id());
            gets.add(fx.client().send(request("GET", "/r", "new-0")));
            assertAnswered(gets, "a GET behind event streams");
            for (RawClient s : streams) {
                s.setReadTimeout(30_000);
                assertThat(new String(s.readRaw(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            }
            assertThat(fx.status().counters().timedOut()).isZero();
            // The streams never end by themselves: their clients leave (a reset: a close would be a
            // half-close, after which the proxy goes on relaying), so that the proxy's shutdown finds
            // no exchange in progress (it waited out its grace period and said so).
            for (RawClient s : streams) {
                s.reset();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().inFlight() == 0);
        }
    }

    @Test
    void aDownloadItsClientReadsSlowlyFreesItsSlotWithItsHead() throws Exception {
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "1", "queue-timeout", "5s",
                "drain-start-timeout", "1m")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> downloads = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    // A small receive buffer and nothing read: the answer waits on this client.
                    RawClient d = new RawClient(fx.port, 4096);
                    downloads.add(d);
                    d.send(request("GET", "/bytes?size=" + (16 << 20), "download-" + i));
                    awaitHeld(fx, i + 1);
                }
                List<RawClient> gets = heldGets(fx, "held-", 2, 2);
                fx.resume(paused.lease().id());
                gets.add(fx.client().send(request("GET", "/r", "new-0")));
                assertAnswered(gets, "a GET behind downloads read slowly");
                assertThat(fx.status().counters().timedOut()).isZero();
            } finally {
                for (RawClient d : downloads) {
                    d.close();
                }
            }
        }
    }

    @Test
    void aSlowUploadHoldsItsSlotAtMostTheDrainStartTimeout() throws Exception {
        // Review (c): held POSTs whose clients send their body slowly; before, the GETs held behind
        // them got 503 at the queue timeout. Each upload now gives its slot back after 1 s.
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "1", "queue-timeout", "8s")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> uploads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                uploads.add(fx.client().send("POST /echo HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: upload-" + i
                        + "\r\nContent-Length: 100\r\n\r\n" + "u".repeat(10)));
                awaitHeld(fx, i + 1);
            }
            List<RawClient> gets = heldGets(fx, "held-", 3, 2);
            fx.resume(paused.lease().id());
            gets.add(fx.client().send(request("GET", "/r", "new-0")));
            assertAnswered(gets, "a GET behind slow uploads");
            for (RawClient u : uploads) {
                u.send("u".repeat(90));
            }
            assertAnswered(uploads, "a slow upload");
            assertThat(fx.upstream.bodyLength("upload-0")).isEqualTo(100L);
            assertThat(fx.upstream.bodyLength("upload-1")).isEqualTo(100L);
            assertThat(fx.upstream.duplicates()).isEmpty();
            assertThat(fx.status().counters().timedOut()).isZero();
        }
    }

    @Test
    void anEarlyHintDoesNotFreeTheSlot() throws Exception {
        // Review, session 8: an origin sends 103 Early Hints at once, before the request's work; the
        // slot was given back on any interim answer, so every held request reached the origin at
        // once (12 with drain-concurrency 2). Only the final head frees it now.
        int count = 6;
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "2", "drain-start-timeout", "1h")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> gets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                gets.add(fx.client().send(request("GET", "/park?hint=1", "hinted-" + i)));
                awaitHeld(fx, i + 1);
            }
            fx.resume(paused.lease().id());
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.parked() == 2);
            for (RawClient g : gets.subList(0, 2)) {
                g.setReadTimeout(30_000);
                assertThat(g.read().status()).as("the hint is relayed").isEqualTo(103);
            }
            assertThat(fx.gate().queueDepth()).as("the others wait for a final answer").isEqualTo(count - 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                fx.upstream.unpark();
                return fx.upstream.order().size() == count && fx.upstream.parked() == 0;
            });
            for (int i = 2; i < count; i++) {
                gets.get(i).setReadTimeout(30_000);
                assertThat(gets.get(i).read().status()).isEqualTo(103);
            }
            assertAnswered(gets, "a hinted GET");
            assertThat(fx.upstream.maxActive()).isEqualTo(2);
            assertThat(fx.upstream.duplicates()).isEmpty();
        }
    }

    @Test
    void fastUploadsKeepTheirSlotsUntilTheirAnswersStart() throws Exception {
        // Review of a first version: a slot given back when the proxy waits for the next piece of a
        // body let every released upload through at once (the rest of a fast client's body is
        // usually in the kernel already): 10 heads reached a slow origin together with
        // drain-concurrency 2. The upstream parks the uploads; none answers before the others come.
        int count = 6;
        String body = "b".repeat(64 << 10);
        try (PauseFixture fx = PauseFixture.start("drain-concurrency", "2", "drain-start-timeout", "1h")) {
            Status paused = fx.pause(PAUSE);
            List<RawClient> uploads = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                uploads.add(fx.client().send("POST /park HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: upload-" + i
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body));
                awaitHeld(fx, i + 1);
            }
            fx.resume(paused.lease().id());
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.upstream.parked() == 2);
            assertThat(fx.gate().queueDepth()).as("the others wait for an answer to start").isEqualTo(count - 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                fx.upstream.unpark();
                return fx.upstream.order().size() == count && fx.upstream.parked() == 0;
            });
            assertAnswered(uploads, "an upload");
            assertThat(fx.upstream.maxActive()).isEqualTo(2);
            for (int i = 0; i < count; i++) {
                assertThat(fx.upstream.bodyLength("upload-" + i)).isEqualTo((long) body.length());
            }
            assertThat(fx.upstream.duplicates()).isEmpty();
        }
    }
}
