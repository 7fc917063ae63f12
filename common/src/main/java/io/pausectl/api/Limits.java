package io.pausectl.api;

/**
 * A pause proxy's limits, as {@code GET /v1/status} reports them, so that a controller can check a
 * pause against them before it takes one.
 *
 * @param queueTimeoutMs longest a request is held before it is answered 503 ({@code --queue-timeout}), ms
 * @param maxPauseMs     longest a pause lasts from its start, renewals included ({@code --max-pause}), ms;
 *                       a lease's ttl above it is refused
 * @param maxQueued      most requests held at once ({@code --max-queued}); past it a new one gets 503
 * @param maxQueuedBytes most bytes buffered for held requests ({@code --max-queued-bytes})
 */
public record Limits(long queueTimeoutMs, long maxPauseMs, int maxQueued, long maxQueuedBytes) {
}
