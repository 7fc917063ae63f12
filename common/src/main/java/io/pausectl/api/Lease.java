package io.pausectl.api;

import java.time.Instant;

/**
 * A pause lease: the pause lasts while its holder renews it, and ends by itself when it expires.
 *
 * @param id        opaque identifier, named by renew and resume
 * @param holder    who holds it (e.g. {@code pausectl@host:pid}), free text
 * @param reason    why, free text
 * @param expiresAt when the pause ends unless renewed
 * @param scope     which requests the pause holds
 */
public record Lease(String id, String holder, String reason, Instant expiresAt, Scope scope) {
}
