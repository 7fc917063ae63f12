package io.pausectl.cli;

import io.pausectl.api.Status;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What a user sees while a window is paused: on a terminal, one live line refreshed about four
 * times a second; otherwise (a log, a CI job) a plain timestamped line every few seconds. Each
 * refresh reads every target's status.
 */
final class PauseFeedback implements Runnable {
    /** How often a terminal's live line is refreshed. */
    static final long LIVE_EVERY_MS = 250;
    /** How often a plain line is written when stderr is not a terminal. */
    static final long PLAIN_EVERY_MS = 5000;
    /** How often the targets are read when stderr is not a terminal: a lease ended by someone else is seen soon. */
    static final long PLAIN_POLL_EVERY_MS = 1000;

    private final PauseWindow window;
    private final Messages messages;
    private final long startNanos;
    private boolean warned;
    private boolean closed;
    private long plainWrittenAtNanos;
    private final Supplier<String> extra;

    PauseFeedback(PauseWindow window, Messages messages, long startNanos) {
        this(window, messages, startNanos, () -> "");
    }

    /** @param extra a piece appended to each line when not empty (e.g. the database's lock waits) */
    PauseFeedback(PauseWindow window, Messages messages, long startNanos, Supplier<String> extra) {
        this.window = window;
        this.messages = messages;
        this.startNanos = startNanos;
        this.extra = extra;
        this.plainWrittenAtNanos = startNanos;
    }

    /** How long to wait between two refreshes. */
    long periodMs() {
        return messages.terminal() ? LIVE_EVERY_MS : PLAIN_POLL_EVERY_MS;
    }

    @Override
    public void run() {
        List<Fleet.Result<Status>> results = window.poll();
        String warning = queueTimeoutWarning(results);
        long now = System.nanoTime();
        String line = line(results, TimeUnit.NANOSECONDS.toMillis(now - startNanos));
        String more = extra.get();
        if (!more.isEmpty()) {
            line += " | " + more;
        }
        // Under the lock that close() takes: no line once the summary is on its way, even from a poll that
        // was still waiting for a target when the command exited.
        synchronized (this) {
            if (closed) {
                return;
            }
            if (warning != null && !warned) {
                warned = true;
                messages.say("WARNING: " + warning);
            }
            if (messages.terminal()) {
                messages.live("pausectl: " + line);
            } else if (now - plainWrittenAtNanos >= TimeUnit.MILLISECONDS.toNanos(PLAIN_EVERY_MS - PLAIN_POLL_EVERY_MS / 2)) {
                plainWrittenAtNanos = now;
                messages.say(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
            }
        }
    }

    /**
     * Ends the feedback: once this returns no line is written, so the summary that follows is the last
     * thing said. Waits for a line being written.
     */
    synchronized void close() {
        closed = true;
    }

    /** The figures of one refresh, summed over the targets (oldest and max depth: the largest). */
    static String line(List<Fleet.Result<Status>> results, long elapsedMs) {
        long held = 0;
        long oldest = 0;
        long inFlight = 0;
        int maxDepth = 0;
        java.util.Map<String, Integer> failures = new java.util.TreeMap<>();
        boolean uncounted = false;
        for (Fleet.Result<Status> r : results) {
            if (!r.ok()) {
                failures.merge(r.error().kind().label(), 1, Integer::sum);
                continue;
            }
            Status s = r.value();
            uncounted |= s.queueDepth() < 0;
            held += Math.max(0, s.queueDepth());
            oldest = Math.max(oldest, s.oldestHeldMs());
            inFlight += s.inFlight();
            maxDepth = Math.max(maxDepth, s.maxQueueDepth());
        }
        String warning = queueTimeoutWarning(results);
        return "paused " + Formats.millis(elapsedMs) + " | held " + (uncounted ? (held > 0 ? held + " + " : "")
                + "not counted" : held) + " | oldest " + Formats.millis(oldest)
                + " | in flight " + inFlight + " | max depth " + maxDepth
                + (results.size() > 1 ? " | " + results.size() + " targets" : "")
                + failures.entrySet().stream().map(f -> " | " + f.getValue() + " " + f.getKey())
                        .collect(java.util.stream.Collectors.joining())
                + (warning == null ? "" : " | WARNING " + warning);
    }

    /** Share of the queue timeout past which the oldest hold is warned about. */
    static final double WARN_AT = 0.75;

    /**
     * What to warn about when the oldest request held on a target has waited {@link #WARN_AT} of that
     * target's queue timeout (past it, held requests are answered 503), or null. Targets that do not
     * say their limits are not checked.
     */
    static String queueTimeoutWarning(List<Fleet.Result<Status>> results) {
        String warning = null;
        long soonestMs = Long.MAX_VALUE;
        for (Fleet.Result<Status> r : results) {
            if (!r.ok() || r.value().limits() == null || r.value().queueDepth() == 0) {
                continue;
            }
            Status s = r.value();
            long timeoutMs = s.limits().queueTimeoutMs();
            long leftMs = Math.max(0, timeoutMs - s.oldestHeldMs());
            if (s.oldestHeldMs() >= timeoutMs * WARN_AT && leftMs < soonestMs) {
                soonestMs = leftMs;
                warning = "held requests get 503 in " + Formats.millis(leftMs) + " (" + r.target().name()
                        + " --queue-timeout " + io.pausectl.common.Durations.format(java.time.Duration.ofMillis(timeoutMs)) + ")";
            }
        }
        return warning;
    }
}
