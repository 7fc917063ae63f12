package io.pausectl.bench.upstream;

/**
 * Decides how the sample upstream answers each request. The bench's scenarios always answer
 * {@link UpstreamAnswer#OK}; the generator's own tests misbehave on purpose (drop, fail, stall) to
 * prove that the accounting sees it. Called on an upstream event loop: must be quick and
 * thread-safe.
 */
@FunctionalInterface
public interface UpstreamBehaviour {
    UpstreamBehaviour ALWAYS_OK = (runId, seq) -> UpstreamAnswer.OK;

    /**
     * @param runId the run the request belongs to, or null when it carries no bench id
     * @param seq   its sequence number in the run, or -1 when it carries no bench id
     */
    UpstreamAnswer answer(String runId, long seq);
}
