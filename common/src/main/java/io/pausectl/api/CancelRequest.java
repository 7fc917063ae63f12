package io.pausectl.api;

/**
 * Body of {@code POST /v1/held/cancel}: answers one held request {@code 503} (never forwarded) and
 * takes it out of the queue.
 *
 * @param id the request's id from {@code GET /v1/held}
 */
public record CancelRequest(Long id) {
}
