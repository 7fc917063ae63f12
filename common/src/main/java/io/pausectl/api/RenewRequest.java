package io.pausectl.api;

/**
 * Body of {@code POST /v1/pause/renew}.
 *
 * @param lease the lease id
 * @param ttl   the new time to live from now, a duration; capped by the proxy's max-pause
 */
public record RenewRequest(String lease, String ttl) {
}
