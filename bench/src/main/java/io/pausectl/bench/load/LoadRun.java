package io.pausectl.bench.load;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load run under way. Its progress counters may be read from any thread while it runs; its
 * {@link #result()} completes once every worker has finished (all answered, or the deadline).
 */
public final class LoadRun {
    private final LoadSpec spec;
    /** Fixed at construction, except with {@link LoadSpec#connectFirst()}: set once when the last connection opened. */
    private volatile long startNanos;
    private final RequestLog log;
    private final List<LoadWorker> workers = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger connecting = new AtomicInteger();
    private final AtomicInteger closedLoopNext = new AtomicInteger();
    private final CompletableFuture<LoadResult> result = new CompletableFuture<>();
    final LongAdder issued = new LongAdder();
    final LongAdder answered = new LongAdder();

    LoadRun(LoadSpec spec, long startNanos) {
        this.spec = spec;
        this.startNanos = startNanos;
        this.log = spec.keepLog() ? new RequestLog(spec.count()) : null;
    }

    void add(LoadWorker worker) {
        workers.add(worker);
        running.incrementAndGet();
        connecting.incrementAndGet();
    }

    void start() {
        workers.forEach(LoadWorker::start);
    }

    public LoadSpec spec() {
        return spec;
    }

    /**
     * {@link System#nanoTime()} at which request 0 is intended; with {@link LoadSpec#connectFirst()},
     * the connections begin to open then and the clock is reset to when the last one opened
     * (read it again once the run is over).
     */
    public long startNanos() {
        return startNanos;
    }

    RequestLog log() {
        return log;
    }

    /** Requests issued so far. */
    public long issuedSoFar() {
        return issued.sum();
    }

    /** Requests answered (successfully or not) so far. */
    public long answeredSoFar() {
        return answered.sum();
    }

    /** Completes with the run's result once it is over. */
    public CompletableFuture<LoadResult> result() {
        return result;
    }

    /** Ends the run now: what is unanswered is lost. */
    public void finishNow() {
        workers.forEach(LoadWorker::finishSoon);
    }

    int nextClosedLoopSeq() {
        if (System.nanoTime() - startNanos >= spec.duration().toNanos()) {
            return -1;
        }
        int seq = closedLoopNext.getAndIncrement();
        return seq < spec.count() ? seq : -1;
    }

    boolean closedLoopHasMore() {
        return closedLoopNext.get() < spec.count() && System.nanoTime() - startNanos < spec.duration().toNanos();
    }

    /**
     * With {@link LoadSpec#connectFirst()}: a worker's connections have all opened (or failed). Once
     * every worker's have, the clock starts and every worker begins to send.
     */
    void workerConnected() {
        if (connecting.decrementAndGet() == 0) {
            startNanos = System.nanoTime();
            workers.forEach(LoadWorker::go);
        }
    }

    /** A worker finished; its totals were written on its loop before this atomic decrement. */
    void workerDone() {
        if (running.decrementAndGet() == 0) {
            LoadResult r = collect();
            workers.forEach(LoadWorker::closeConnections);
            result.complete(r);
        }
    }

    private LoadResult collect() {
        Histogram latency = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
        Map<String, Long> failures = new TreeMap<>();
        long sent = 0;
        long ok = 0;
        long failed = 0;
        long lost = 0;
        long neverWritten = 0;
        long held = 0;
        long maxHeld = 0;
        long lastDone = startNanos;
        for (LoadWorker w : workers) {
            latency.add(w.latencyMicros);
            w.failures.forEach((k, v) -> failures.merge(k, v, Long::sum));
            sent += w.issued;
            ok += w.ok;
            failed += w.failed;
            lost += w.lost;
            neverWritten += w.neverWritten;
            held += w.heldAnswers;
            maxHeld = Math.max(maxHeld, w.maxHeldMs);
            if (w.lastDoneNanos != 0) {
                lastDone = Math.max(lastDone, w.lastDoneNanos);
            }
        }
        return new LoadResult(spec.runId(), sent, ok, failed, lost, neverWritten, latency, held, maxHeld,
                lastDone - startNanos, failures, log);
    }
}
