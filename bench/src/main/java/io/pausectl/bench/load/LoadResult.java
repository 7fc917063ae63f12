package io.pausectl.bench.load;

import org.HdrHistogram.Histogram;

import java.util.Map;

/**
 * What the clients of one run saw. Every issued request is in exactly one of ok, failed, lost:
 * {@code sent == ok + failed + lost}.
 *
 * @param runId          the run's id prefix
 * @param sent           requests issued (their intended send time came)
 * @param ok             answered 2xx with their own id
 * @param failed         answered otherwise (non-2xx, another request's id) or their connection broke
 * @param lost           never answered by the end of the run
 * @param neverWritten   of the lost, those the generator never wrote (no connection came free): a
 *                       generator limit, not the target's fault
 * @param latencyMicros  latency of every answer with an HTTP status, from its intended send time
 * @param heldAnswers    answers that carried {@code Server-Timing: pause;dur=} (held by the proxy)
 * @param maxHeldMs      the longest such hold
 * @param elapsedNanos   from the run's start to its last answer
 * @param failures       failed requests by cause ({@code "503"}, {@code "connection closed"}, ...)
 * @param log            each request's times and status, or null when the spec did not keep it
 */
public record LoadResult(String runId, long sent, long ok, long failed, long lost, long neverWritten,
                         Histogram latencyMicros, long heldAnswers, long maxHeldMs, long elapsedNanos,
                         Map<String, Long> failures, RequestLog log) {

    public double percentileMs(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    public double p50Ms() {
        return percentileMs(50);
    }

    public double p99Ms() {
        return percentileMs(99);
    }

    public double maxMs() {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
    }

    /** Successful answers per second over the run. */
    public double okPerSecond() {
        return elapsedNanos <= 0 ? 0 : ok * 1e9 / elapsedNanos;
    }
}
