package io.pausectl.cli;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;
import io.pausectl.common.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A pause held on every target of a fleet, one lease per target, taken all-or-none: if any target
 * fails to pause (or stays busy past {@code waitIdle}), those already paused are resumed before
 * {@link #open} throws. Then it renews the leases, resumes them once (retrying a failed resume while
 * the lease still holds), and sums up what the targets held in the meantime.
 */
final class PauseWindow {
    /** Longest pausectl retries a failed resume; past the lease's expiry the target resumes by itself. */
    private static final Duration MAX_RESUME_RETRY = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 2000;

    /** One target paused by this window. */
    static final class Held {
        final PauseTarget target;
        final Status before;
        final String leaseId;
        final long pausedAtNanos;
        final Duration ttl;
        volatile Status last;
        volatile long confirmedAtNanos;
        volatile boolean leaseLost;
        /** When the lease was last seen held (the pause, a renewal, a status naming it). */
        volatile long heldSeenAtNanos;
        /** When the lease was first seen gone before pausectl resumed it (a renewal or status), else 0. */
        volatile long goneSeenAtNanos;
        volatile long resumedAtNanos;
        volatile TargetException resumeError;
        volatile Status end;
        /** Set when the pause failed but was taken anyway: it is held only to be undone. */
        volatile TargetException pauseError;

        Held(PauseTarget target, Status before, Status paused, long pausedAtNanos, Duration ttl) {
            this.target = target;
            this.before = before;
            this.leaseId = paused.lease() == null ? null : paused.lease().id();
            this.pausedAtNanos = pausedAtNanos;
            this.ttl = ttl;
            this.last = paused;
            this.confirmedAtNanos = pausedAtNanos;
            this.heldSeenAtNanos = pausedAtNanos;
        }

        /** Records that the lease was seen gone at {@code nanos} (the first time counts). */
        void goneSeen(long nanos) {
            if (goneSeenAtNanos == 0) {
                goneSeenAtNanos = nanos;
            }
        }

        /**
         * When traffic stopped being paused by this lease, as far as pausectl knows: when its lease was first
         * seen gone if someone else ended it (expired, or resumed by force), else when pausectl resumed it;
         * 0 while it holds.
         */
        long endedAtNanos() {
            return leaseLost && goneSeenAtNanos != 0 ? goneSeenAtNanos : resumedAtNanos;
        }

        /** When the lease expires by pausectl's own clock, counted from the last pause or renewal sent. */
        long expiresAtNanos() {
            return confirmedAtNanos + ttl.toNanos();
        }

        boolean stillPaused() {
            return resumeError != null;
        }
    }

    private final Fleet fleet;
    private final List<Held> held;
    private final Messages messages;
    private final Object resumeLock = new Object();
    private boolean resumed;
    private volatile boolean closing;

    private PauseWindow(Fleet fleet, List<Held> held, Messages messages) {
        this.fleet = fleet;
        this.held = List.copyOf(held);
        this.messages = messages;
    }

    /**
     * Pauses every target of the fleet in parallel.
     *
     * @param allowInflight go ahead when a target is still {@code pausing} after {@code spec.waitIdle()}
     * @param consequence   what failing means, for the message (e.g. "the command was not run")
     * @throws CliException 3 (could not pause), 4 (every failure was a conflict), or 5 when undoing the
     *                      partial pause failed too; the message names every target and what happened
     */
    static PauseWindow open(Fleet fleet, PauseSpec spec, boolean allowInflight, Messages messages,
                            String consequence) {
        List<Fleet.Result<Held>> results = fleet.each(target -> {
            Status before = target.status();
            long sentAt = System.nanoTime();
            try {
                return new Held(target, before, target.pause(spec), sentAt, spec.ttl());
            } catch (ConflictException e) {
                throw e;
            } catch (TargetException e) {
                // The answer may be lost while the pause was taken (a timeout, a reset): find it by its holder,
                // so that it is undone now instead of holding traffic until its lease runs out.
                Held taken;
                try {
                    taken = takenAnyway(target, before, spec, sentAt);
                } catch (TargetException unreadable) {
                    throw new UncertainPause(e.getMessage() + "; then its status could not be read either, so it"
                            + " MAY be paused: if so, its lease ends by itself within --ttl "
                            + Durations.format(spec.ttl()) + " (or run 'pausectl resume --force' on it)", e);
                }
                if (taken == null) {
                    throw e;
                }
                taken.pauseError = e;
                return taken;
            }
        });
        List<Held> held = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        boolean onlyConflicts = true;
        boolean uncertain = false;
        for (Fleet.Result<Held> result : results) {
            if (!result.ok()) {
                failures.add(result.error().getMessage());
                onlyConflicts &= result.error() instanceof ConflictException;
                uncertain |= result.error() instanceof UncertainPause;
                continue;
            }
            Held h = result.value();
            if (h.pauseError != null) {
                held.add(h);
                failures.add(h.pauseError.getMessage() + " (the pause it took anyway is undone)");
                onlyConflicts = false;
                continue;
            }
            if (h.leaseId == null) {
                failures.add(h.target.name() + ": answered the pause without a lease (state " + stateOf(h.last) + ")");
                onlyConflicts = false;
                continue;
            }
            held.add(h);
            if (h.last.state() == PauseState.PAUSING && !allowInflight) {
                failures.add(h.target.name() + ": " + h.last.inFlightInScope() + " request(s) still in flight after"
                        + " --wait-idle " + Durations.format(spec.waitIdle())
                        + " (raise --wait-idle, or go ahead anyway with --allow-inflight)");
                onlyConflicts = false;
            }
        }
        PauseWindow window = new PauseWindow(fleet, held, messages);
        if (failures.isEmpty()) {
            return window;
        }
        // The consequence ("nothing stays paused") is claimed only as far as it is known.
        StringBuilder message = new StringBuilder("could not pause every target; " + consequence
                + (uncertain ? ", except perhaps where said below" : "") + ":");
        failures.forEach(f -> message.append("\n  ").append(f));
        window.resume();
        List<Held> stuck = window.stillPaused();
        List<String> undone = held.stream().filter(h -> !h.stillPaused()).map(h -> h.target.name())
                .collect(Collectors.toList());
        if (!undone.isEmpty()) {
            message.append("\n  resumed again: ").append(String.join(", ", undone));
        }
        if (!stuck.isEmpty()) {
            message.append("\n").append(window.stillPausedMessage());
            throw new CliException(ExitCodes.NOT_RESUMED, message.toString());
        }
        throw new CliException(onlyConflicts ? ExitCodes.CONFLICT : ExitCodes.NOT_PAUSED, message.toString());
    }

    /**
     * The pause a target took although its answer was lost, found by its holder; null when it took none.
     *
     * @throws TargetException when the target's status cannot be read (then nobody knows)
     */
    private static Held takenAnyway(PauseTarget target, Status before, PauseSpec spec, long sentAt)
            throws TargetException {
        Status now = target.status();
        if (now.lease() != null && now.lease().id() != null && spec.holder().equals(now.lease().holder())) {
            return new Held(target, before, now, sentAt, spec.ttl());
        }
        return null;
    }

    /** A pause failed and whether the target took it anyway cannot be known. */
    private static final class UncertainPause extends TargetException {
        private static final long serialVersionUID = 1L;

        UncertainPause(String message, Throwable cause) {
            super(message, cause);
        }
    }

    List<Held> held() {
        return held;
    }

    /** Renews every lease still held to {@code ttl} from now; says so loudly when one is gone. */
    void renew(Duration ttl) {
        if (closing) {
            return;
        }
        List<Held> live = held.stream().filter(h -> !h.leaseLost).collect(Collectors.toList());
        List<PauseTarget> targets = live.stream().map(h -> h.target).collect(Collectors.toList());
        List<Fleet.Result<Held>> results = fleet.each(targets, target -> {
            Held h = find(target);
            long sentAt = System.nanoTime();
            h.last = target.renew(h.leaseId, ttl);
            h.confirmedAtNanos = sentAt;
            h.heldSeenAtNanos = sentAt;
            return h;
        });
        for (Fleet.Result<Held> result : results) {
            if (result.ok() || closing) {
                continue;
            }
            Held h = find(result.target());
            if (result.error() instanceof LeaseGoneException) {
                h.goneSeen(System.nanoTime());
                h.leaseLost = true;
                messages.say("WARNING: " + h.target.name() + ": the lease is gone (expired, or resumed by force):"
                        + " traffic on it is NOT paused any more");
            } else {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(h.expiresAtNanos() - System.nanoTime());
                messages.say("WARNING: could not renew the lease: " + result.error().getMessage()
                        + " (retrying; the lease ends in " + Math.max(0, leftMs) + "ms)");
            }
        }
    }

    /** The latest status of every target, in parallel; failures are kept as they were. */
    List<Fleet.Result<Status>> poll() {
        long sentAt = System.nanoTime();
        List<Fleet.Result<Status>> results = fleet.each(held.stream().map(h -> h.target).collect(Collectors.toList()),
                PauseTarget::status);
        for (Fleet.Result<Status> result : results) {
            if (result.ok()) {
                Held h = find(result.target());
                h.last = result.value();
                Status s = result.value();
                if (h.leaseId != null && s.lease() != null && h.leaseId.equals(s.lease().id())) {
                    h.heldSeenAtNanos = Math.max(h.heldSeenAtNanos, sentAt);
                } else if (!closing) {
                    // Gone before pausectl resumed it; counted only once a renewal or the resume confirms it.
                    h.goneSeen(System.nanoTime());
                }
            }
        }
        return results;
    }

    /**
     * Resumes every target, once: later calls return at once. A failed resume is retried while the
     * lease holds (at most {@link #MAX_RESUME_RETRY}); a lease found gone counts as resumed, since
     * nothing of ours holds traffic any more.
     *
     * @return whether this call did the resume (false if it had been done already)
     */
    boolean resume() {
        synchronized (resumeLock) {
            if (resumed) {
                return false;
            }
            resumed = true;
            closing = true;
            List<PauseTarget> targets = held.stream().map(h -> h.target).collect(Collectors.toList());
            fleet.each(targets, target -> {
                resumeOne(find(target));
                return null;
            });
            return true;
        }
    }

    private void resumeOne(Held h) {
        long giveUpAt = Math.min(h.expiresAtNanos(), System.nanoTime() + MAX_RESUME_RETRY.toNanos());
        long backoffMs = 200;
        while (true) {
            try {
                Status status = h.target.resume(h.leaseId);
                h.last = status;
                h.resumedAtNanos = System.nanoTime();
                h.resumeError = null;
                return;
            } catch (LeaseGoneException e) {
                h.goneSeen(System.nanoTime());
                h.leaseLost = true;
                h.resumedAtNanos = System.nanoTime();
                h.resumeError = null;
                return;
            } catch (TargetException e) {
                h.resumeError = e;
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) > giveUpAt) {
                    return;
                }
                messages.say("could not resume yet, retrying: " + e.getMessage());
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            }
        }
    }

    /** The targets a resume failed on (empty before {@link #resume}). */
    List<Held> stillPaused() {
        return held.stream().filter(Held::stillPaused).collect(Collectors.toList());
    }

    /** The loud message naming the targets still paused, why, and how to get them out of it. */
    String stillPausedMessage() {
        StringBuilder message = new StringBuilder("!!! COULD NOT RESUME: these targets are STILL PAUSED !!!");
        for (Held h : stillPaused()) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(h.expiresAtNanos() - System.nanoTime());
            message.append("\n  ").append(h.resumeError.getMessage())
                    .append("\n    lease ").append(h.leaseId).append(leftMs > 0
                            ? " ends by itself in about " + Durations.format(Duration.ofSeconds(
                                    Math.max(1, (leftMs + 999) / 1000))) + " unless renewed"
                            : " should have ended by itself already: check its status");
        }
        message.append("\n  resume by hand: pausectl");
        for (Held h : stillPaused()) {
            message.append(" --target ").append(h.target.name());
        }
        message.append(" resume --force");
        return message.toString();
    }

    /**
     * Waits (at most {@code maxWait}) until every reachable target has released what it held, then
     * records each target's end status for the summary. Does not throw: an unreachable target keeps
     * its last known status.
     */
    void settle(Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        List<Held> pending = new ArrayList<>(held);
        while (true) {
            List<Fleet.Result<Status>> results = fleet.each(
                    pending.stream().map(h -> h.target).collect(Collectors.toList()), PauseTarget::status);
            List<Held> next = new ArrayList<>();
            for (Fleet.Result<Status> result : results) {
                Held h = find(result.target());
                if (!result.ok()) {
                    continue;
                }
                h.last = result.value();
                h.end = result.value();
                if (draining(h, result.value())) {
                    next.add(h);
                }
            }
            pending = next;
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Whether the target is still releasing what this window held. The gate may already say
     * {@code running} while the last released requests are being handed over (queue depth not yet 0,
     * not yet counted as released), so a running target with a queue is still releasing.
     */
    private static boolean draining(Held h, Status status) {
        boolean ours = status.lease() != null && status.lease().id() != null && status.lease().id().equals(h.leaseId);
        return status.state() == PauseState.DRAINING || ours && !h.stillPaused()
                || status.state() == PauseState.RUNNING && status.queueDepth() > 0;
    }

    private Held find(PauseTarget target) {
        for (Held h : held) {
            if (h.target == target) {
                return h;
            }
        }
        throw new IllegalStateException(target.name() + " is not in this window");
    }

    static String stateOf(Status status) {
        return status == null || status.state() == null ? "unknown" : status.state().wireName();
    }

}
