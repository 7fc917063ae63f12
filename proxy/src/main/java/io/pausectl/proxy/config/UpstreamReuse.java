package io.pausectl.proxy.config;

import java.util.Locale;

/**
 * Which requests may go on a pooled upstream connection ({@code --upstream-reuse}). An origin may
 * close an idle keep-alive connection at any moment (RFC 9112 §9.6), so a pooled connection is not
 * known to be alive until it answers; a request written on one as it closes is lost, and only a
 * replayable request (idempotent method, RFC 9110 §9.2.2, and no body) may then be sent again. See
 * {@code io.pausectl.proxy.upstream.UpstreamExchange} for the retry rule.
 */
public enum UpstreamReuse {
    /**
     * The default: a request that is not replayable goes on a fresh connection; replayable ones
     * reuse pooled connections (and are sent once more if a reused connection closes before any
     * answer). As HAProxy's {@code http-reuse safe}, decided per request.
     */
    SAFE,
    /**
     * Every request may reuse a pooled connection: one connect fewer per write, but a write that
     * meets an origin closing the connection is answered 502. Only for origins known never to close
     * an idle connection before {@code --upstream-idle-timeout} (no idle cap, longer keep-alive).
     */
    ALWAYS;

    /** The setting's spelling, as in flags and YAML. */
    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value spelled {@code text} (any case), or null when there is none. */
    public static UpstreamReuse parse(String text) {
        for (UpstreamReuse r : values()) {
            if (r.spelling().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        return null;
    }
}
