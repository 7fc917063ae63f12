package io.pausectl.cli.haproxy;

import io.pausectl.testkit.http.RawClient;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady paced load through HAProxy: some clients on one keep-alive connection each, some opening
 * a new connection per request. Records answers, failures, the longest wait and connections used.
 */
final class TestLoad implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(40);
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong maxLatencyMs = new AtomicLong();
    /** The longest wait of a request on a kept-alive connection, and of one on a new connection. */
    final AtomicLong keepAliveMaxLatencyMs = new AtomicLong();
    final AtomicLong newConnectionMaxLatencyMs = new AtomicLong();
    /** Requests answered 200 on kept-alive connections, and on new connections. */
    final AtomicLong keepAliveOk = new AtomicLong();
    final AtomicLong newConnectionOk = new AtomicLong();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger keepAliveConnections = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final List<Future<?>> clients = new ArrayList<>();
    private final int keepAliveClients;
    /** Per client, System.nanoTime() when its current request started; 0 between requests. */
    private final AtomicLongArray startedAt;

    TestLoad(int port, int keepAliveClients, int newConnectionClients) {
        this.keepAliveClients = keepAliveClients;
        startedAt = new AtomicLongArray(keepAliveClients + newConnectionClients);
        pool = Executors.newFixedThreadPool(keepAliveClients + newConnectionClients);
        for (int i = 0; i < keepAliveClients + newConnectionClients; i++) {
            boolean keepAlive = i < keepAliveClients;
            int client = i;
            clients.add(pool.submit(() -> {
                try (KeepAlive conn = new KeepAlive(port)) {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        startedAt.set(client, start);
                        try {
                            RawClient.Response r = keepAlive ? conn.get("/ka") : RawClient.get(port, "/new", READ_TIMEOUT);
                            if (r.status() == 200) {
                                ok.incrementAndGet();
                                (keepAlive ? keepAliveOk : newConnectionOk).incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                failures.add("status " + r.status());
                            }
                        } catch (IOException e) {
                            failed.incrementAndGet();
                            failures.add(e.toString());
                        }
                        startedAt.set(client, 0);
                        long latencyMs = (System.nanoTime() - start) / 1_000_000;
                        maxLatencyMs.accumulateAndGet(latencyMs, Math::max);
                        (keepAlive ? keepAliveMaxLatencyMs : newConnectionMaxLatencyMs)
                                .accumulateAndGet(latencyMs, Math::max);
                        // Paced, not a tight loop: about 50 requests per second per client.
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                    }
                    if (keepAlive) {
                        keepAliveConnections.addAndGet(conn.connections());
                    }
                }
                return null;
            }));
        }
    }

    /** Whether every new-connection client has a request unanswered for at least {@code age}. */
    boolean everyNewConnectionWaitingFor(Duration age) {
        long now = System.nanoTime();
        for (int i = keepAliveClients; i < startedAt.length(); i++) {
            long start = startedAt.get(i);
            if (start == 0 || now - start < age.toNanos()) {
                return false;
            }
        }
        return true;
    }

    /** Stops the clients and waits for their last requests. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : clients) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Sequential requests on one persistent connection; reconnects (and counts it) only when HAProxy closes it. */
    private static final class KeepAlive implements AutoCloseable {
        private final int port;
        private RawClient client;
        private int connections;

        KeepAlive(int port) {
            this.port = port;
        }

        RawClient.Response get(String path) throws IOException {
            if (client == null) {
                client = new RawClient(port);
                client.setReadTimeout((int) READ_TIMEOUT.toMillis());
                connections++;
            }
            RawClient.Response r = client.send(RawClient.request("GET", path, false)).read();
            if ("close".equalsIgnoreCase(r.header("connection"))) {
                close();
            }
            return r;
        }

        /** How many connections this client opened. */
        int connections() {
            return connections;
        }

        @Override
        public void close() throws IOException {
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }
}
