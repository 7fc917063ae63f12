package io.pausectl.proxy.gate;

import io.pausectl.proxy.config.ProxyConfig;

import java.time.Duration;
import java.util.List;

/**
 * The part of the configuration the pause gate uses.
 *
 * @param maxQueued        most requests held at once; past it a new one is {@link Admission#REJECTED}
 * @param maxQueuedBytes   most bytes buffered for held requests; past it a new one is rejected
 * @param queueTimeout     longest a request is held before it is refused ({@link Refusal#TIMED_OUT})
 * @param maxPause         the longest a pause may last, renewals included
 * @param drainConcurrency most released-but-unfinished requests while draining
 * @param drainRate        most releases per second while draining, 0 for no limit
 * @param drainStartTimeout longest a released request holds a drain slot while its answer has not
 *                         started (see {@link QueueingPauseGate}'s "Drain slots")
 * @param bypassPaths      path prefixes never held and never counted as in scope (kept with their
 *                         canonical and loose forms, see {@link PathForms})
 */
public record GateSettings(
        int maxQueued,
        long maxQueuedBytes,
        Duration queueTimeout,
        Duration maxPause,
        int drainConcurrency,
        int drainRate,
        Duration drainStartTimeout,
        List<String> bypassPaths) {

    /** The default {@code --drain-start-timeout}. */
    public static final Duration DEFAULT_DRAIN_START_TIMEOUT = Duration.ofSeconds(1);

    /** Settings with the default {@code --drain-start-timeout}. */
    public GateSettings(int maxQueued, long maxQueuedBytes, Duration queueTimeout, Duration maxPause,
                        int drainConcurrency, int drainRate, List<String> bypassPaths) {
        this(maxQueued, maxQueuedBytes, queueTimeout, maxPause, drainConcurrency, drainRate,
                DEFAULT_DRAIN_START_TIMEOUT, bypassPaths);
    }

    public GateSettings {
        // Each prefix with its canonical and loose forms (PathForms), compared against every form
        // of a request's path.
        bypassPaths = List.of(PathForms.prefixForms(bypassPaths));
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max-queued must be 0 or more, not " + maxQueued);
        }
        if (maxQueuedBytes < 0) {
            throw new IllegalArgumentException("max-queued-bytes must be 0 or more, not " + maxQueuedBytes);
        }
        if (queueTimeout.isNegative() || queueTimeout.isZero()) {
            throw new IllegalArgumentException("queue-timeout must be positive, not " + queueTimeout);
        }
        if (maxPause.isNegative() || maxPause.isZero()) {
            throw new IllegalArgumentException("max-pause must be positive, not " + maxPause);
        }
        if (drainConcurrency < 1) {
            throw new IllegalArgumentException("drain-concurrency must be at least 1, not " + drainConcurrency);
        }
        if (drainStartTimeout.isNegative() || drainStartTimeout.isZero()) {
            throw new IllegalArgumentException("drain-start-timeout must be positive, not " + drainStartTimeout);
        }
        if (drainRate < 0) {
            throw new IllegalArgumentException("drain-rate must be 0 (no limit) or more, not " + drainRate);
        }
    }

    /** The gate's settings out of the proxy's configuration. */
    public static GateSettings of(ProxyConfig config) {
        return new GateSettings(config.maxQueued(), config.maxQueuedBytes(), config.queueTimeout(),
                config.maxPause(), config.drainConcurrency(), config.drainRate(), config.drainStartTimeout(),
                config.bypassPaths());
    }

    /**
     * Whether a request to this path is never held: only when every reading of the path an origin
     * may make ({@link PathForms}) is under a bypass prefix, so {@code /healthz/../orders} is not.
     */
    public boolean bypasses(String path) {
        return !bypassPaths.isEmpty() && PathForms.allUnder(path, bypassPaths);
    }
}
