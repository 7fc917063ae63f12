package io.pausectl.bench.upstream;

/**
 * How the sample upstream answers one request.
 *
 * @param status      the response status; ignored when {@code drop}
 * @param delayMillis how long to wait before answering
 * @param drop        never answer (the request is recorded as seen, then nothing is written)
 */
public record UpstreamAnswer(int status, long delayMillis, boolean drop) {
    /** 200 at once: what the bench's upstream always does. */
    public static final UpstreamAnswer OK = new UpstreamAnswer(200, 0, false);
    /** Seen, never answered. */
    public static final UpstreamAnswer DROP = new UpstreamAnswer(0, 0, true);

    public static UpstreamAnswer status(int status) {
        return new UpstreamAnswer(status, 0, false);
    }

    public static UpstreamAnswer delayed(long delayMillis) {
        return new UpstreamAnswer(200, delayMillis, false);
    }
}
