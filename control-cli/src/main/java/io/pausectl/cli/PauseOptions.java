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

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why; shown in status and the proxy's logs.")
    String reason;

    @Option(names = "--wait-idle", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.WaitIdle.class,
            description = "How long to wait for requests in flight to finish once new ones are held. Default: 10s.")
    Duration waitIdle;

    @Option(names = "--allow-inflight",
            description = "Go ahead even when requests are still in flight after --wait-idle (default: undo the"
                    + " pause and exit 3).")
    boolean allowInflight;

    @Option(names = "--allow-queue-timeout",
            description = "Go ahead even when the pause may last longer than a target's --queue-timeout (requests"
                    + " held that long are answered 503); said loudly. Default: refuse (exit 2).")
    boolean allowQueueTimeout;

    @Option(names = "--scope-methods", paramLabel = "METHOD", split = ",",
            description = "Hold only these methods, e.g. POST,PUT,PATCH,DELETE (default: all).")
    List<String> methods = new ArrayList<>();

    @Option(names = "--scope-path", paramLabel = "PREFIX",
            description = "Hold only paths starting with PREFIX; repeatable (default: all).")
    List<String> pathPrefixes = new ArrayList<>();

    @Option(names = "--scope-host", paramLabel = "HOST",
            description = "Hold only requests for this host (without port); repeatable (default: all).")
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
