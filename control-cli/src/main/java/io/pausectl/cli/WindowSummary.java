package io.pausectl.cli;

import io.pausectl.api.Counters;
import io.pausectl.api.Status;
import io.pausectl.cli.postgres.DatabaseWindow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a pause window did, per target and in total: how long traffic was paused, and what happened
 * to the requests held meanwhile (deltas of the targets' counters over the window). Written as text
 * on stderr, or as JSON (this record) on stdout with {@code -o json}.
 *
 * @param command         the command run, or empty for a window without one
 * @param exitCode        the command's exit code, null when it did not run
 * @param pausedMs        the longest any target was paused, in milliseconds
 * @param maxPauseReached whether {@code --max-pause} resumed traffic while the command still ran
 * @param stillPaused     targets that could not be resumed
 * @param totals          sums over the targets (max depth: the deepest of any)
 * @param targets         one entry per target
 * @param database        with {@code --postgres}: the migration's lock waits and the wait for its locks; else null
 */
record WindowSummary(List<String> command, Integer exitCode, long pausedMs, boolean maxPauseReached,
                     List<String> stillPaused, Totals totals, List<TargetSummary> targets,
                     DatabaseWindow.Summary database) {

    /** Sums over the targets. */
    record Totals(long held, long released, long timedOut, long rejected, long clientGone, int maxDepth) {
    }

    /**
     * One target's window.
     *
     * @param pausedMs    how long it was paused: until pausectl resumed it, or until its lease was found gone
     *                    when someone else ended it first
     * @param stillQueued requests still held when the summary was taken (still draining)
     * @param resumed     whether the target was resumed (by pausectl, or its lease had already ended)
     * @param error       why it could not be resumed, when it could not
     * @param leaseLost   whether the lease ended before pausectl resumed it (expired, or resumed by force)
     * @param heldSeenMs  with {@code leaseLost}: when the lease was last seen held, from the pause, in ms
     */
    record TargetSummary(String target, String lease, long pausedMs, long held, long released, long timedOut,
                         long rejected, long clientGone, int maxDepth, String state, int stillQueued,
                         boolean resumed, String error, boolean leaseLost, Long heldSeenMs) {
    }

    static WindowSummary of(PauseWindow window, List<String> command, Integer exitCode, boolean maxPauseReached) {
        return of(window, command, exitCode, maxPauseReached, null);
    }

    static WindowSummary of(PauseWindow window, List<String> command, Integer exitCode, boolean maxPauseReached,
                            DatabaseWindow.Summary database) {
        List<TargetSummary> targets = new ArrayList<>();
        long now = System.nanoTime();
        long pausedMs = 0;
        long held = 0;
        long released = 0;
        long timedOut = 0;
        long rejected = 0;
        long clientGone = 0;
        int maxDepth = 0;
        List<String> stillPaused = new ArrayList<>();
        for (PauseWindow.Held h : window.held()) {
            Status end = h.end != null ? h.end : h.last;
            Counters a = counters(h.before);
            Counters b = counters(end);
            long until = h.endedAtNanos() != 0 ? h.endedAtNanos() : now;
            long ms = TimeUnit.NANOSECONDS.toMillis(until - h.pausedAtNanos);
            Long heldSeenMs = h.leaseLost ? TimeUnit.NANOSECONDS.toMillis(h.heldSeenAtNanos - h.pausedAtNanos) : null;
            TargetSummary t = new TargetSummary(h.target.name(), h.leaseId, ms,
                    b.held() - a.held(), b.released() - a.released(), b.timedOut() - a.timedOut(),
                    b.rejected() - a.rejected(), b.clientGone() - a.clientGone(),
                    end == null ? 0 : end.maxQueueDepth(), PauseWindow.stateOf(end),
                    end == null ? 0 : end.queueDepth(), !h.stillPaused(),
                    h.stillPaused() ? h.resumeError.getMessage() : null, h.leaseLost, heldSeenMs);
            targets.add(t);
            pausedMs = Math.max(pausedMs, ms);
            held += t.held();
            released += t.released();
            timedOut += t.timedOut();
            rejected += t.rejected();
            clientGone += t.clientGone();
            maxDepth = Math.max(maxDepth, t.maxDepth());
            if (h.stillPaused()) {
                stillPaused.add(h.target.name());
            }
        }
        return new WindowSummary(command, exitCode, pausedMs, maxPauseReached, stillPaused,
                new Totals(held, released, timedOut, rejected, clientGone, maxDepth), targets, database);
    }

    private static Counters counters(Status status) {
        return status == null || status.counters() == null ? new Counters(0, 0, 0, 0, 0, 0, 0) : status.counters();
    }

    /** The summary for a person, one line per fact. */
    List<String> textLines() {
        List<String> lines = new ArrayList<>();
        lines.add("traffic was paused for " + Formats.millis(pausedMs) + ": held " + Formats.requests(totals.held)
                + " (max depth " + Formats.held(totals.maxDepth) + "); released " + totals.released + ", timed out "
                + totals.timedOut + ", rejected " + totals.rejected + ", client gone " + totals.clientGone);
        if (targets.size() > 1) {
            for (TargetSummary t : targets) {
                lines.add("  " + t.target() + ": paused " + Formats.millis(t.pausedMs()) + ", held " + t.held()
                        + " (max depth " + Formats.held(t.maxDepth()) + "), released " + t.released() + ", timed out "
                        + t.timedOut() + ", rejected " + t.rejected() + ", client gone " + t.clientGone()
                        + (t.resumed() ? "" : " -- STILL PAUSED"));
            }
        }
        for (TargetSummary t : targets) {
            if (t.leaseLost()) {
                lines.add("  " + t.target() + ": the lease ended before pausectl resumed it (expired, or resumed by"
                        + " force): last seen held at " + Formats.millis(t.heldSeenMs()) + ", found gone at "
                        + Formats.millis(t.pausedMs()));
            }
        }
        for (TargetSummary t : targets) {
            if (t.maxDepth() < 0) {
                lines.add("  " + t.target() + ": the maxconn strategy cannot count what it held (new connections"
                        + " wait in the kernel's accept queue); the figures above leave them out");
            }
        }
        for (TargetSummary t : targets) {
            if (t.resumed() && t.stillQueued() > 0) {
                lines.add("  " + t.target() + " is still releasing " + Formats.requests(t.stillQueued()));
            }
        }
        if (database != null) {
            lines.addAll(database.textLines());
        }
        return lines;
    }
}
