package io.pausectl.bench.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * One load run, immutable. Either <b>open-loop</b>: {@code count} requests at a fixed
 * {@code ratePerSecond}, request {@code i} intended at {@code start + i / rate}, whatever happened
 * to the ones before it (its latency counts from that intended time, so a stall is not hidden); or
 * <b>closed-loop</b>: {@code concurrency} connections each sending its next request when the
 * previous one is answered, until {@code count} requests or {@code duration} (to measure capacity).
 * Every run is bounded: after the last request is sent, answers are awaited at most
 * {@code answerGrace}; what is unanswered then is lost. Targets are loopback only.
 *
 * @param target         {@code http://host:port} on loopback
 * @param path           request path (the id also travels in {@code X-Req-Id})
 * @param runId          prefix of every request id of this run
 * @param openLoop       open-loop (fixed rate) or closed-loop (fixed concurrency)
 * @param ratePerSecond  open-loop: requests per second
 * @param concurrency    closed-loop: connections, each with one request at a time
 * @param count          total requests (closed-loop: at most)
 * @param duration       closed-loop: stop issuing after this long; open-loop: unused
 * @param maxConnections open-loop: most connections at once (at least one per generator thread);
 *                       a request finding none free waits, and the wait counts in its latency
 * @param keepAlive      reuse connections; otherwise one connection per request ({@code Connection: close})
 * @param answerGrace    after the last request is issued, how long to wait for answers
 * @param keepLog        keep each request's times and status (for charts and the window's drain time)
 * @param connectFirst   closed-loop: open all {@code concurrency} connections before the run's clock
 *                       starts (its start is then when the last one opened), and close none until
 *                       the run is over, so that the run times requests only, as a drain of held
 *                       requests is timed on connections already open; otherwise each connection
 *                       is opened at the start and closed when it has nothing more to send, both
 *                       inside the run's time
 */
public record LoadSpec(URI target, String path, String runId, boolean openLoop, double ratePerSecond,
                       int concurrency, int count, Duration duration, int maxConnections, boolean keepAlive,
                       Duration answerGrace, boolean keepLog, boolean connectFirst) {

    public LoadSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(answerGrace, "answerGrace");
        if (!"http".equals(target.getScheme()) || target.getHost() == null || target.getPort() <= 0) {
            throw new IllegalArgumentException("target must be http://host:port, got " + target);
        }
        if (!isLoopback(target.getHost())) {
            throw new IllegalArgumentException("the bench sends load to loopback only; " + target.getHost()
                    + " is not a loopback address");
        }
        if (runId.isEmpty() || runId.indexOf('-') >= 0) {
            throw new IllegalArgumentException("runId must be non-empty without '-': " + runId);
        }
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        if (openLoop && !(ratePerSecond > 0 && ratePerSecond <= 1_000_000)) {
            throw new IllegalArgumentException("rate must be in (0, 1000000] per second: " + ratePerSecond);
        }
        if (!openLoop && concurrency <= 0) {
            throw new IllegalArgumentException("concurrency must be positive: " + concurrency);
        }
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
        }
        if (openLoop && connectFirst) {
            throw new IllegalArgumentException("connectFirst is for closed-loop runs");
        }
    }

    /** An open-loop run of {@code count} requests at {@code ratePerSecond}, keep-alive, log kept. */
    public static Builder openLoop(URI target, double ratePerSecond, int count) {
        Builder b = new Builder(target, true);
        b.ratePerSecond = ratePerSecond;
        b.count = count;
        return b;
    }

    /** A closed-loop run over {@code concurrency} keep-alive connections, for {@code duration} or {@code count} requests. */
    public static Builder closedLoop(URI target, int concurrency, int count, Duration duration) {
        Builder b = new Builder(target, false);
        b.concurrency = concurrency;
        b.count = count;
        b.duration = duration;
        b.maxConnections = concurrency;
        b.keepLog = false;
        return b;
    }

    /** The intended send time of request {@code seq}, in nanoseconds after the run's start (open-loop). */
    public long intendedOffsetNanos(int seq) {
        return (long) (seq * (1e9 / ratePerSecond));
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Builds a {@link LoadSpec}. */
    public static final class Builder {
        private final URI target;
        private final boolean openLoop;
        private String path = "/bench";
        private String runId = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        private double ratePerSecond;
        private int concurrency;
        private int count;
        private Duration duration = Duration.ZERO;
        private int maxConnections = 1024;
        private boolean keepAlive = true;
        private Duration answerGrace = Duration.ofSeconds(10);
        private boolean keepLog = true;
        private boolean connectFirst;

        private Builder(URI target, boolean openLoop) {
            this.target = target;
            this.openLoop = openLoop;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        public Builder answerGrace(Duration answerGrace) {
            this.answerGrace = answerGrace;
            return this;
        }

        public Builder keepLog(boolean keepLog) {
            this.keepLog = keepLog;
            return this;
        }

        public Builder connectFirst(boolean connectFirst) {
            this.connectFirst = connectFirst;
            return this;
        }

        public LoadSpec build() {
            return new LoadSpec(target, path, runId, openLoop, ratePerSecond, concurrency, count, duration,
                    maxConnections, keepAlive, answerGrace, keepLog, connectFirst);
        }
    }
}
