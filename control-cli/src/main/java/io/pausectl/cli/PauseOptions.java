package io.pausectl.cli;

import io.pausectl.api.AdminRequests;
import io.pausectl.api.Scope;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** What a pause asks for, shared by {@code pause} and {@code run}: why, how long to wait for idle, which requests. */
final class PauseOptions {
    private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]*");

    // The texts of the help, shared with the model built in code for a pause call (CodedModel).
    static final String REASON_DESCRIPTION = "Why; shown in status and the proxy's logs.";
    static final String WAIT_IDLE_DESCRIPTION = "How long to wait for requests in flight to finish once new ones are"
            + " held. Default: 10s.";
    static final String ALLOW_INFLIGHT_DESCRIPTION = "Go ahead even when requests are still in flight after"
            + " --wait-idle (default: undo the pause and exit 3).";
    static final String ALLOW_QUEUE_TIMEOUT_DESCRIPTION = "Go ahead even when the pause may last longer than a"
            + " target's --queue-timeout (requests held that long are answered 503); said loudly. Default: refuse"
            + " (exit 2).";
    static final String METHODS_DESCRIPTION = "Hold only these methods, e.g. POST,PUT,PATCH,DELETE (default: all).";
    static final String PATH_DESCRIPTION = "Hold only paths starting with PREFIX; repeatable (default: all).";
    static final String HOST_DESCRIPTION = "Hold only requests for this host (without port); repeatable (default:"
            + " all).";

    @Option(names = "--reason", paramLabel = "TEXT", description = REASON_DESCRIPTION)
    String reason;

    @Option(names = "--wait-idle", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.WaitIdle.class,
            description = WAIT_IDLE_DESCRIPTION)
    Duration waitIdle;

    @Option(names = "--allow-inflight", description = ALLOW_INFLIGHT_DESCRIPTION)
    boolean allowInflight;

    @Option(names = "--allow-queue-timeout", description = ALLOW_QUEUE_TIMEOUT_DESCRIPTION)
    boolean allowQueueTimeout;

    @Option(names = "--scope-methods", paramLabel = "METHOD", split = ",", description = METHODS_DESCRIPTION)
    List<String> methods = new ArrayList<>();

    @Option(names = "--scope-path", paramLabel = "PREFIX", description = PATH_DESCRIPTION)
    List<String> pathPrefixes = new ArrayList<>();

    @Option(names = "--scope-host", paramLabel = "HOST", description = HOST_DESCRIPTION)
    List<String> hosts = new ArrayList<>();

    /**
     * The scope written by the options.
     *
     * @throws IllegalArgumentException for a malformed method or path prefix
     */
    /**
     * Checks what can be checked before any target is asked: the scope and the reason.
     *
     * @throws IllegalArgumentException for a malformed method or path prefix, or a reason that is
     *                                  not one line of printable text
     */
    void check() {
        scope();
        AdminRequests.text("--reason", reason);
    }

    Scope scope() {
        List<String> upper = new ArrayList<>();
        for (String m : methods) {
            String method = m.trim().toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(method).matches()) {
                throw new IllegalArgumentException("--scope-methods: '" + m + "' is not an HTTP method");
            }
            upper.add(method);
        }
        for (String p : pathPrefixes) {
            if (!p.startsWith("/")) {
                throw new IllegalArgumentException("--scope-path: '" + p + "' must start with /");
            }
        }
        for (String h : hosts) {
            if (h.isBlank() || h.contains("/")) {
                throw new IllegalArgumentException("--scope-host: '" + h + "' is not a host name");
            }
        }
        return new Scope(upper, pathPrefixes, hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList());
    }
}
