package io.pausectl.proxy.pause;

import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.RandomSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A randomised run over real sockets, bounded in time (8 s of traffic, longer on a loaded machine
 * until more than 200 requests were answered and 5 pauses made, 40 s at most; loopback only):
 * twelve clients send single, pipelined and abandoned requests while a controller pauses (all, or
 * writes only), resumes, and lets leases expire; holds time out and queues overflow. Afterwards:
 * nothing was forwarded twice, every 200 was forwarded exactly once and every 503 never, no
 * response was lost, the gate's counters add up, and nothing is left held or in flight.
 */
@ExtendWith(RandomSeed.Extension.class)
class PauseStressTest {
    private static final Duration TRAFFIC = Duration.ofSeconds(8);
    private static final Duration MAX_TRAFFIC = Duration.ofSeconds(40);

    /** What a client learned about one request. */
    enum Outcome { OK, REFUSED, UNANSWERED_AFTER_CLOSE, ABANDONED }

    @Test
    void invariantsHoldUnderRandomPausesTimeoutsDisconnectsAndPipelining(RandomSeed seed) throws Exception {
        // max-queued below the number of clients, so the queue overflows now and then.
        try (PauseFixture fx = PauseFixture.start("queue-timeout", "400ms", "max-queued", "8",
                "drain-concurrency", "8", "max-pause", "3s", "event-loops", "2")) {
            Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
            Set<String> failures = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ids = new AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                Random rnd = seed.random(t);
                Thread client = new Thread(() -> runClient(fx, rnd, stop, ids, outcomes, failures), "stress-client-" + t);
                client.start();
                clients.add(client);
            }
            // At least TRAFFIC, and on until more than 200 requests were answered 200 and more than 5
            // pauses made (a loaded machine does less in the same time), within a hard bound.
            LongSupplier answered = () -> outcomes.values().stream().filter(o -> o == Outcome.OK).count();
            int pauses = runController(fx, seed.random(12), answered);
            stop.set(true);
            for (Thread c : clients) {
                c.join(30_000);
                assertThat(c.isAlive()).as(c.getName() + " finished").isFalse();
            }
            fx.admin("POST", "/v1/resume", "{\"force\":true}");
            await().atMost(Duration.ofSeconds(15)).until(() -> fx.gate().state() == PauseState.RUNNING
                    && fx.gate().queueDepth() == 0 && fx.gate().inFlight() == 0);

            assertThat(failures).as("lost or malformed responses").isEmpty();
            assertThat(fx.upstream.duplicates()).as("forwarded more than once").isEmpty();
            long ok = 0;
            long refused = 0;
            for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
                String id = e.getKey();
                switch (e.getValue()) {
                    case OK -> {
                        ok++;
                        assertThat(fx.upstream.count(id)).as("answered 200: " + id).isEqualTo(1);
                    }
                    case REFUSED -> {
                        refused++;
                        assertThat(fx.upstream.count(id)).as("answered 503: " + id).isZero();
                    }
                    case UNANSWERED_AFTER_CLOSE ->
                            assertThat(fx.upstream.count(id)).as("behind a refused request: " + id).isZero();
                    case ABANDONED -> assertThat(fx.upstream.count(id)).isLessThanOrEqualTo(1);
                }
            }
            for (String id : fx.upstream.order()) {
                assertThat(outcomes.get(id)).as("upstream saw " + id).isIn(Outcome.OK, Outcome.ABANDONED);
            }
            Counters c = fx.gate().counters();
            assertThat(c.released() + c.timedOut() + c.clientGone() + c.shutdown())
                    .as("every held request ended exactly once: " + c).isEqualTo(c.held());
            assertThat(c.timedOut() + c.rejected()).as("503s seen by clients came from the gate")
                    .isGreaterThanOrEqualTo(refused);
            assertThat(fx.gate().queuedBytes()).isZero();
            assertThat(ok).isGreaterThan(200);
            assertThat(pauses).isGreaterThan(5);
            assertThat(c.held()).isPositive();
            assertThat(c.released()).isPositive();
            assertThat(c.timedOut()).isPositive();
            assertThat(c.clientGone()).isPositive();
            assertThat(c.rejected()).isPositive();
            assertThat(c.pausesExpired()).isPositive();
            assertThat(c.pausesResumed()).isPositive();
            Status last = fx.status();
            assertThat(last.inFlight()).isZero();
            LoggerFactory.getLogger(PauseStressTest.class).info("stress: {} requests, {} answered 200, {} answered 503,"
                    + " upstream saw {}, {} pauses, gate {}", outcomes.size(), ok, refused, fx.upstream.order().size(),
                    pauses, c);
        }
    }

    /**
     * Pauses and resumes at random for {@link #TRAFFIC}, then on until more than 200 requests were
     * {@code answered} 200 and more than 5 pauses made, up to {@link #MAX_TRAFFIC}; every third pause
     * is left to expire.
     */
    private static int runController(PauseFixture fx, Random rnd, LongSupplier answered) throws Exception {
        int n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < TRAFFIC.toNanos() || ((answered.getAsLong() <= 200 || n <= 5)
                && System.nanoTime() - start < MAX_TRAFFIC.toNanos())) {
            n++;
            boolean expire = n % 3 == 0;
            String scope = rnd.nextBoolean() ? "" : ",\"scope\":{\"methods\":[\"POST\"]}";
            HttpResponse<String> r = fx.admin("POST", "/v1/pause", "{\"ttl\":\"" + (expire ? "600ms" : "3s")
                    + "\",\"waitIdle\":\"1s\"" + scope + "}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Status s = fx.status(r);
            // How long traffic is held: sometimes longer than queue-timeout, so holds time out.
            TimeUnit.MILLISECONDS.sleep(50 + rnd.nextInt(650));
            if (expire) {
                await().atMost(Duration.ofSeconds(5)).until(() -> fx.status().lease() == null);
            } else {
                HttpResponse<String> resumed = fx.admin("POST", "/v1/resume", "{\"lease\":\"" + s.lease().id() + "\"}");
                // 404: a machine stalled past the lease's 3 s (max-pause) let it expire first; either
                // way the pause is over.
                assertThat(resumed.statusCode()).as(resumed.body()).isIn(200, 404);
                assertThat(fx.status().lease()).isNull();
            }
            TimeUnit.MILLISECONDS.sleep(20 + rnd.nextInt(280));
        }
        return n;
    }

    private static void runClient(PauseFixture fx, Random rnd, AtomicBoolean stop, AtomicInteger ids,
                                  Map<String, Outcome> outcomes, Set<String> failures) {
        RawClient c = null;
        try {
            while (!stop.get()) {
                if (c == null) {
                    c = new RawClient(fx.port);
                    c.setReadTimeout(15_000);
                }
                String method = rnd.nextInt(3) == 0 ? "POST" : "GET";
                int action = rnd.nextInt(20);
                if (action < 2) {
                    // Send and go away without reading: the request may be held, forwarded or not.
                    String id = "a" + ids.incrementAndGet();
                    outcomes.put(id, Outcome.ABANDONED);
                    c.send(request(method, "/x", id));
                    TimeUnit.MILLISECONDS.sleep(rnd.nextInt(100));
                    c.close();
                    c = null;
                } else if (action < 5) {
                    String first = "p" + ids.incrementAndGet();
                    String second = "p" + ids.incrementAndGet();
                    c.send(request(method, "/x", first) + request("GET", "/y", second));
                    boolean open = expect(c, first, outcomes, failures);
                    if (open) {
                        open = expect(c, second, outcomes, failures);
                    } else {
                        outcomes.put(second, Outcome.UNANSWERED_AFTER_CLOSE);
                    }
                    if (!open) {
                        c.close();
                        c = null;
                    }
                } else {
                    String id = "s" + ids.incrementAndGet();
                    c.send(request(method, "/x", id));
                    if (!expect(c, id, outcomes, failures)) {
                        c.close();
                        c = null;
                    }
                }
            }
        } catch (IOException e) {
            failures.add(Thread.currentThread().getName() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing a test socket
                }
            }
        }
    }

    /** Reads the answer to {@code id}; returns whether the connection stays usable. */
    private static boolean expect(RawClient c, String id, Map<String, Outcome> outcomes, Set<String> failures) {
        Response r;
        try {
            r = c.read();
        } catch (IOException e) {
            failures.add(id + ": " + e);
            outcomes.put(id, Outcome.ABANDONED);
            return false;
        }
        if (r.status() == 200) {
            outcomes.put(id, Outcome.OK);
            if (!r.bodyText().equals("ok " + id)) {
                failures.add(id + ": answered with '" + r.bodyText() + "'");
            }
            return true;
        }
        if (r.status() == 503 && r.header("retry-after") != null) {
            outcomes.put(id, Outcome.REFUSED);
            return !"close".equalsIgnoreCase(r.header("connection"));
        }
        failures.add(id + ": status " + r.status());
        outcomes.put(id, Outcome.ABANDONED);
        return false;
    }
}
