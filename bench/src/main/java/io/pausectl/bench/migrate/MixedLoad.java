package io.pausectl.bench.migrate;

import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * Open-loop reads and writes against the application: request {@code i} is due at
 * {@code start + i / rate} whatever happened to the ones before it, and its latency counts from then
 * (a stall is not hidden). Every {@code writeEvery}-th request is a {@code POST /items} carrying a unique
 * {@code X-Req-Id}; the rest read a random seeded row. Keeps the ids of the writes answered 2xx, so
 * the scenario can compare them with the rows in the table.
 */
final class MixedLoad implements AutoCloseable {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI front;
    private final double rate;
    private final int writeEvery;
    private final LongFunction<String> readPath;
    private final String writePath;
    private final String runId;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "mixed-load");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final Set<String> acknowledgedWrites = ConcurrentHashMap.newKeySet();
    private final Histogram latencyMicros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final Thread sender;

    /** Reads of {@code /items/{id}} over {@code rows} seeded rows, writes to {@code POST /items}. */
    MixedLoad(URI front, double rate, int writeEvery, int rows, String runId) {
        this(front, rate, writeEvery, i -> "/items/" + (1 + Math.floorMod(i * 7919, rows)), "/items", runId);
    }

    /**
     * @param writeEvery one request in this many is a {@code POST writePath}; 0 for reads only
     * @param readPath   the path of read {@code i}
     */
    MixedLoad(URI front, double rate, int writeEvery, LongFunction<String> readPath, String writePath, String runId) {
        this.front = front;
        this.rate = rate;
        this.writeEvery = writeEvery;
        this.readPath = readPath;
        this.writePath = writePath;
        this.runId = runId;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.sender = new Thread(this::send, "mixed-load-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    private void send() {
        long start = System.nanoTime();
        for (long i = 0; running.get(); i++) {
            long due = start + (long) (i * 1e9 / rate);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (!running.get()) {
                return;
            }
            boolean write = writeEvery > 0 && i % writeEvery == 0;
            String id = runId + "-" + i;
            HttpRequest.Builder request = HttpRequest.newBuilder().timeout(REQUEST_TIMEOUT).header("X-Req-Id", id);
            if (write) {
                request.uri(front.resolve(writePath)).POST(HttpRequest.BodyPublishers.noBody());
            } else {
                request.uri(front.resolve(readPath.apply(i)));
            }
            sent.incrementAndGet();
            client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                record(due, write, id, response, error);
            });
        }
    }

    private void record(long due, boolean write, String id, HttpResponse<String> response, Throwable error) {
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - due);
        synchronized (latencyMicros) {
            latencyMicros.recordValue(Math.min(Math.max(micros, 0), latencyMicros.getHighestTrackableValue()));
        }
        if (response != null && response.statusCode() / 100 == 2) {
            ok.incrementAndGet();
            if (write) {
                acknowledgedWrites.add(id);
            }
        } else {
            String kind;
            if (response != null) {
                String body = response.body() == null ? "" : response.body().strip();
                kind = response.statusCode() + (body.matches("[a-z_0-9A-Z]{1,40}") ? " " + body : "");
            } else {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                kind = cause instanceof HttpTimeoutException ? "timeout" : cause.getClass().getSimpleName();
            }
            errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
        answered.incrementAndGet();
    }

    /** Stops sending, then waits (at most {@code grace}) for the answers still due. */
    void finish(Duration grace) throws InterruptedException {
        running.set(false);
        sender.join(TimeUnit.SECONDS.toMillis(5));
        long deadline = System.nanoTime() + grace.toNanos();
        while (answered.get() < sent.get() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    long sent() {
        return sent.get();
    }

    long ok() {
        return ok.get();
    }

    /** Requests sent and never answered (after {@link #finish}). */
    long unanswered() {
        return sent.get() - answered.get();
    }

    /** Failed requests by kind: status and the application's error name, or the client's exception. */
    Map<String, Long> errors() {
        Map<String, Long> copy = new TreeMap<>();
        errors.forEach((k, v) -> copy.put(k, v.get()));
        long lost = unanswered();
        if (lost > 0) {
            copy.put("unanswered", lost);
        }
        return copy;
    }

    long failed() {
        return errors().values().stream().mapToLong(Long::longValue).sum();
    }

    Set<String> acknowledgedWrites() {
        return Set.copyOf(acknowledgedWrites);
    }

    double maxLatencyMs() {
        synchronized (latencyMicros) {
            return latencyMicros.getMaxValue() / 1000.0;
        }
    }

    double p50LatencyMs() {
        synchronized (latencyMicros) {
            return latencyMicros.getValueAtPercentile(50) / 1000.0;
        }
    }

    double p99LatencyMs() {
        synchronized (latencyMicros) {
            return latencyMicros.getValueAtPercentile(99) / 1000.0;
        }
    }

    @Override
    public void close() {
        running.set(false);
        executor.shutdownNow();
    }
}
