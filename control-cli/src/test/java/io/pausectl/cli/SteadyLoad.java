package io.pausectl.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients sending GETs through the proxy, each on its own thread, one at a time and paced, until stopped. A
 * request counts as failed when it is not answered 200 (or not answered at all). Bounded by
 * {@link #stop()} and by a per-request timeout.
 */
final class SteadyLoad implements AutoCloseable {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong heldByPause = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    /** The pause between a client's answer and its next request: about 100 requests per second per client. */
    private static final Duration PACE = Duration.ofMillis(10);

    SteadyLoad(String url, int clients) {
        URI uri = URI.create(url + "/orders");
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                while (running.get()) {
                    send(uri);
                    // Paced: back to back, 4 clients kept both cores of a CI machine busy, and the
                    // admin API answered the test's status calls after more than 5 s (load 18).
                    java.util.concurrent.locks.LockSupport.parkNanos(PACE.toNanos());
                }
            }, "steady-load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void send(URI uri) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                ok.incrementAndGet();
                if (r.headers().firstValue("Server-Timing").orElse("").contains("pause;dur=")) {
                    heldByPause.incrementAndGet();
                }
            } else {
                failed.incrementAndGet();
                failures.add(r.statusCode() + " " + r.body());
            }
        } catch (Exception e) {
            if (running.get()) {
                failed.incrementAndGet();
                failures.add(e.toString());
            }
        }
    }

    /** Stops sending; waits for the requests under way to end. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(40).toMillis());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
