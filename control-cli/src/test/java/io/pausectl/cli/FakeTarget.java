package io.pausectl.cli;

import io.pausectl.api.Counters;
import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory pause target for the commands' unit tests: a small model of the gate's lease rules
 * (one lease at a time, 409 for another, 404 for a gone lease) with failures the test turns on. The
 * real admin API is tested in AdminApiTargetTest and the integration tests.
 */
final class FakeTarget implements PauseTarget {
    private final String name;
    private boolean unreachable;
    private boolean loseNextPauseAnswer;
    private boolean vanishAfterNextPause;
    private int lagReleases;
    private int releasing;
    private int failResumes;
    private long inFlight;
    private PauseState state = PauseState.RUNNING;
    private Lease lease;
    private Instant pausedSince;
    private int queueDepth;
    private int maxQueueDepth;
    private long held;
    private long released;
    private long resumed;
    private int leases;
    private final List<String> events = new ArrayList<>();
    private PauseSpec lastSpec;
    private String lastLease;
    private Runnable onPause = () -> { };
    private Runnable onResume = () -> { };
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onStatus =
            new java.util.concurrent.atomic.AtomicReference<>(() -> { });
    /** The limits its status says, null for none (as HAProxy). */
    volatile io.pausectl.api.Limits limits;

    FakeTarget(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    synchronized FakeTarget unreachable(boolean value) {
        unreachable = value;
        return this;
    }

    /** The next {@code n} resumes fail as if the target could not be reached. */
    synchronized FakeTarget failResumes(int n) {
        failResumes = n;
        return this;
    }

    /** Requests in flight: a pause stays {@code pausing} while there are some. */
    synchronized FakeTarget inFlight(long n) {
        inFlight = n;
        return this;
    }

    /**
     * As the real gate: after a resume the state is already {@code running} while the held requests are
     * still being handed over (queue depth not 0, not counted as released) for the next {@code statuses} reads.
     */
    synchronized FakeTarget lagReleases(int statuses) {
        lagReleases = statuses;
        return this;
    }

    /** The next pause is taken but its answer is lost (as on a timeout). */
    synchronized FakeTarget loseNextPauseAnswer() {
        loseNextPauseAnswer = true;
        return this;
    }

    /** The next pause is taken, then the target becomes unreachable before it answers. */
    synchronized FakeTarget vanishAfterNextPause() {
        loseNextPauseAnswer = true;
        vanishAfterNextPause = true;
        return this;
    }

    /** Runs during the next pauses, before answering. */
    synchronized FakeTarget onPause(Runnable hook) {
        onPause = hook;
        return this;
    }

    /** Runs at the next status read, before it is answered, outside this target's lock; once. */
    FakeTarget onStatus(Runnable hook) {
        onStatus.set(hook);
        return this;
    }

    /** Runs at each resume, before it is answered (on the resuming thread, holding this target's lock). */
    synchronized FakeTarget onResume(Runnable hook) {
        onResume = hook;
        return this;
    }

    /** Pauses as someone else would. */
    synchronized String pauseByOther(String holder) {
        lease = new Lease("other-" + (++leases), holder, "someone else's", Instant.now().plusSeconds(60), null);
        state = PauseState.PAUSED;
        pausedSince = Instant.now();
        return lease.id();
    }

    /** {@code n} requests arrive and are held (while paused). */
    synchronized void hold(int n) {
        if (lease == null) {
            throw new IllegalStateException("not paused");
        }
        queueDepth += n;
        held += n;
        maxQueueDepth = Math.max(maxQueueDepth, queueDepth);
    }

    /** The lease ends as if its TTL ran out. */
    synchronized void expire() {
        endPause("expired");
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    synchronized boolean paused() {
        return lease != null;
    }

    synchronized PauseSpec lastSpec() {
        return lastSpec;
    }

    /** The last lease this target granted, held or not. */
    synchronized String leaseIdOrLast() {
        return lastLease;
    }

    synchronized String leaseId() {
        return lease == null ? null : lease.id();
    }

    @Override
    public Status status() throws TargetException {
        onStatus.getAndSet(() -> { }).run();
        return lockedStatus();
    }

    private synchronized Status lockedStatus() throws TargetException {
        reach("status");
        if (releasing > 0 && lease == null && --releasing == 0) {
            released += queueDepth;
            queueDepth = 0;
        }
        return snapshot();
    }

    @Override
    public Status pause(PauseSpec spec) throws TargetException {
        Runnable hook;
        synchronized (this) {
            hook = onPause;
        }
        hook.run();
        synchronized (this) {
            reach("pause");
            if (lease != null) {
                throw new ConflictException(name + ": already paused by another lease: held by " + lease.holder());
            }
            lastSpec = spec;
            lastLease = "lease-" + Math.abs(name.hashCode() % 1000) + "-" + (leases + 1);
            leases++;
            lease = new Lease(lastLease, spec.holder(), spec.reason(),
                    Instant.now().plus(spec.ttl()), spec.scope());
            state = inFlight > 0 ? PauseState.PAUSING : PauseState.PAUSED;
            pausedSince = Instant.now();
            maxQueueDepth = 0;
            events.add("pause");
            if (loseNextPauseAnswer) {
                loseNextPauseAnswer = false;
                if (vanishAfterNextPause) {
                    vanishAfterNextPause = false;
                    unreachable = true;
                }
                throw new TargetException(name + ": no answer to POST /v1/pause within 10s");
            }
            return snapshot();
        }
    }

    @Override
    public synchronized Status renew(String leaseId, Duration ttl) throws TargetException {
        reach("renew");
        if (lease == null || !lease.id().equals(leaseId)) {
            throw new LeaseGoneException(name + ": the lease is no longer held");
        }
        lease = new Lease(lease.id(), lease.holder(), lease.reason(), Instant.now().plus(ttl), lease.scope());
        events.add("renew");
        return snapshot();
    }

    @Override
    public synchronized Status resume(String leaseId) throws TargetException {
        reach("resume");
        onResume.run();
        if (failResumes > 0) {
            failResumes--;
            events.add("resume-failed");
            throw new TargetException(name + ": cannot connect (Connection refused)");
        }
        if (leaseId != null && (lease == null || !lease.id().equals(leaseId))) {
            throw new LeaseGoneException(name + ": the lease is no longer held");
        }
        endPause(leaseId == null ? "resume-force" : "resume");
        return snapshot();
    }

    private void endPause(String event) {
        if (lagReleases > 0) {
            releasing = lagReleases;
        } else {
            released += queueDepth;
            queueDepth = 0;
        }
        lease = null;
        pausedSince = null;
        state = PauseState.RUNNING;
        resumed++;
        events.add(event);
    }

    private void reach(String what) throws TargetException {
        if (unreachable) {
            throw new TargetException(TargetException.Kind.UNREACHABLE,
                    name + ": cannot connect (Connection refused): is pause-proxy running?", null);
        }
    }

    private Status snapshot() {
        return new Status(state, queueDepth, queueDepth * 300L, inFlight, state == PauseState.RUNNING ? 0 : inFlight,
                queueDepth > 0 ? 1500 : 0, lease, pausedSince, maxQueueDepth,
                new Counters(held, released, 0, 0, 0, resumed, 0)).withLimits(limits);
    }

    @Override
    public void close() {
    }
}
