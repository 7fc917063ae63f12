package io.pausectl.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The targets the user named, resolved from flags and environment: either pause-proxy admin API
 * URLs or HAProxy runtime API addresses (never both).
 *
 * @param urls      admin API base URLs (empty when {@code haproxy} is not)
 * @param token     the admin API bearer token, if any
 * @param haproxy   HAProxy runtime API addresses (empty when {@code urls} is not)
 * @param frontend  with {@code haproxy}: the frontend to pause
 * @param strategy  with {@code haproxy}: {@code gate} or {@code maxconn}
 * @param timeout   connect and answer timeout of one call
 */
public record TargetSelection(List<String> urls, Optional<String> token, List<String> haproxy, String frontend,
                              String strategy, Duration timeout) {
    public TargetSelection {
        urls = List.copyOf(urls);
        haproxy = List.copyOf(haproxy);
    }
}
