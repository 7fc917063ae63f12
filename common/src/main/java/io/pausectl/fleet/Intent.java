package io.pausectl.fleet;

import io.pausectl.api.Json;
import io.pausectl.api.Scope;
import io.pausectl.common.Durations;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * A fleet's pause intent, the value of {@link FleetKeys#intent()}: while it exists every node of the
 * fleet holds the requests in {@code scope}. Each node pauses under its own local lease of
 * {@code ttl} and renews it only after a linearizable read still shows this intent, so a node cut
 * off from etcd resumes by itself within {@code ttl} plus one renewal interval ({@code ttl / 3}).
 *
 * @param id        unique per window (a node reports {@code paused} for this id)
 * @param holder    who (user@host of the controller)
 * @param reason    why, one line
 * @param ttl       the nodes' local lease, Go duration ({@code 30s}); also the controller's etcd lease
 * @param waitIdle  how long a node may wait for its in-flight requests before reporting paused
 * @param scope     which requests to hold
 * @param createdAt when the controller wrote it
 */
public record Intent(String id, String holder, String reason, String ttl, String waitIdle, Scope scope,
                     Instant createdAt) {
    public Intent {
        reason = reason == null ? "" : reason;
        holder = holder == null ? "" : holder;
        scope = scope == null ? Scope.ALL : scope;
    }

    /** The ttl as a duration. */
    public Duration ttlDuration() {
        return Durations.parse(ttl, Duration.ofSeconds(1), Duration.ofHours(24));
    }

    /** The wait-idle as a duration. */
    public Duration waitIdleDuration() {
        return Durations.parse(waitIdle, Duration.ZERO, Duration.ofHours(1));
    }

    /** This intent as the JSON stored in etcd. */
    public String toJson() {
        try {
            return Json.lenient().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads an intent stored in etcd.
     *
     * @throws IllegalArgumentException when it is not an intent (a message a person can act on)
     */
    public static Intent fromJson(String json) {
        try {
            Intent intent = Json.lenient().readValue(json, Intent.class);
            if (intent.id() == null || intent.id().isEmpty() || intent.ttl() == null || intent.waitIdle() == null) {
                throw new IllegalArgumentException("not a pause intent (no id, ttl or waitIdle): " + json);
            }
            intent.ttlDuration();
            intent.waitIdleDuration();
            return intent;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a pause intent: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
