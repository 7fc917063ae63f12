package io.pausectl.cli.target;

import io.pausectl.api.AdminRequests;
import io.pausectl.api.Scope;

import java.time.Duration;

/**
 * What a pause asks for.
 *
 * @param reason   why, shown in status and logs
 * @param holder   who, e.g. {@code pausectl@host:pid}
 * @param ttl      the lease's time to live; renewed while the holder lives
 * @param waitIdle how long to wait for in-flight work to finish
 * @param scope    which requests to hold
 */
public record PauseSpec(String reason, String holder, Duration ttl, Duration waitIdle, Scope scope) {
    /** @throws IllegalArgumentException when the reason is not one line of printable text */
    public PauseSpec {
        AdminRequests.text("--reason", reason);
    }
}
