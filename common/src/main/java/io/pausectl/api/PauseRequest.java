package io.pausectl.api;

/**
 * Body of {@code POST /v1/pause}. Every field may be omitted.
 *
 * @param reason   why (shown in status and logs)
 * @param holder   who asks (shown in status and logs)
 * @param ttl      lease time to live, a duration such as {@code 30s}; capped by the proxy's max-pause
 * @param waitIdle how long to wait for in-scope in-flight requests to finish before answering
 * @param scope    which requests to hold; all when omitted
 * @param lease    the id of a lease this caller already holds: pausing again with it is not a conflict
 */
public record PauseRequest(String reason, String holder, String ttl, String waitIdle, Scope scope, String lease) {
}
