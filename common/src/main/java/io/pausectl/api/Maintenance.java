package io.pausectl.api;

import java.time.Instant;

/**
 * Maintenance mode as the admin API shows it: while it is on, requests in its scope are answered at
 * once with {@code 503 Service Unavailable}, its message as the body and {@code Retry-After}, instead
 * of being held or forwarded. It is a lease like a pause: it ends by itself at {@code expiresAt}
 * unless renewed, so a crashed or forgotten controller never leaves it on.
 *
 * @param id                opaque identifier, named to renew it or to turn it off
 * @param holder            who turned it on, free text
 * @param message           what clients are told, one line
 * @param retryAfterSeconds the {@code Retry-After} clients are given, in seconds (RFC 9110 §10.2.3)
 * @param expiresAt         when it ends unless renewed
 * @param scope             which requests it answers
 */
public record Maintenance(String id, String holder, String message, long retryAfterSeconds, Instant expiresAt,
                          Scope scope) {
}
