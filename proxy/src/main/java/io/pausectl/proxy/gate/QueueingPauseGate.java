package io.pausectl.proxy.gate;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.netty.util.internal.PlatformDependent;
import io.pausectl.api.AdminRequests;
import io.pausectl.api.Counters;
import io.pausectl.api.HeldList;
import io.pausectl.api.HeldRequest;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;
import io.pausectl.proxy.metrics.GateReadings;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pause gate: while a pause lease is held, requests in its scope are held in a bounded FIFO
 * queue instead of being forwarded, and released in order when the pause ends. This class is the
 * phase machine (running → pausing → paused → draining → running); the data it drives live in
 * {@link HeldQueue} (the held requests), {@link InFlightRegistry} (the forwarded ones, per event
 * loop), {@link PauseLease} (the pause, its ttl and its waiters), {@link MaintenanceMode} (which
 * maintenance is on, and its lease), {@link QueueBounds} (max-queued, max-queued-bytes) and
 * {@link HoldOutcomes} (how holds and pauses ended); a request's standing is a {@link HoldState}. The
 * metrics read it through {@link QueueingGateReadings}, a read-only view.
 *
 * <h2>Who owns what</h2>
 * <ul>
 *   <li>The state ({@link Phase}: state plus the pause) is written only on the gate's own
 *       single-thread {@link #executor} and published through one volatile field; the request path
 *       only reads it.</li>
 *   <li>The queue, the lease, the drain slots and the timers belong to the executor alone.</li>
 *   <li>Requests in flight are kept per event loop ({@link InFlightRegistry.Loop}), a list only
 *       that loop touches: entering and leaving cost a few field writes, no lock and no hop to
 *       another thread. That is all the hot path (state running) does.</li>
 *   <li>A held request's outcome is settled on its own event loop (where {@link #abandon} runs
 *       too): the executor decides (release or time-out) and hands the decision to the loop,
 *       which applies it only if the request is still {@link HoldState#HELD}. So every held request
 *       ends exactly once: released, timed out, client gone, or refused at shutdown.</li>
 * </ul>
 *
 * <h2>Why "paused" is race-free</h2>
 * To pause, the executor first publishes the new phase, then sends every loop's in-flight list a
 * census task that marks the in-flight requests matching the scope and adds their number to the
 * pause's count; a marked request's {@link #exit} decrements it; the gate is {@code paused} when
 * every census has reported and the count is 0. A request admitted on a loop before the census
 * task runs there is in the list, so it is counted; one admitted after it runs on the same thread
 * after a task submitted after the phase was published, so it sees the new phase and is held. A
 * loop's list is published (volatile) before that loop's first request reads the phase, and the
 * executor reads the lists after publishing the phase, so no loop is missed. Releases are handed
 * to a loop by the executor before any later census for that loop, so a request released just
 * before a new pause is counted by it.
 *
 * <h2>Drain slots</h2>
 * While draining, at most {@code drain-concurrency} released requests may be starting at once: the
 * drain spreads out the burst of work a resume hands the upstream. A release takes a slot; the
 * slot is given back at the first of: the request's final response head arrives (not an interim one: a 103 Early Hints or a
 * 100 Continue comes before the upstream's work, review, session 8), its
 * exchange ends, or {@code drain-start-timeout} (default 1 s) has passed since its release. So a
 * slow upload, a long download, an event stream or a long-poll holds a slot for at most that long
 * (a slow upload is not told from a fast one by a read that waits: the rest of a fast client's body
 * is usually already in the kernel, found in review of a first version), and never the
 * requests behind it until their {@code queue-timeout} (review, session 7: 256 long-polls held
 * every slot until they ended, and everything arriving after the resume got 503). The loop tells
 * the executor once per released request ({@link GatedRequest#owesDrainSlot}); the executor keeps
 * the holders in release order ({@link #drainSlotHolders}) with one timer for the oldest, and counts
 * the slots that timer frees ({@code pauseproxy_drain_start_timeouts_total}).
 *
 * <p>Releases and freed slots cross between the executor and the loops in batches: a queue per
 * direction (one per loop for releases) and one task for whatever it holds when the task runs, not a
 * task per request ({@link #handToLoop}, {@link #giveBackLater}).
 */
public final class QueueingPauseGate implements PauseGate {
    private static final Logger log = LoggerFactory.getLogger(QueueingPauseGate.class);

    private static final Phase RUNNING = new Phase(PauseState.RUNNING, null);

    private final GateSettings settings;
    private final EventExecutor executor;
    private final boolean ownsExecutor;
    private final ProxyMetrics metrics;
    private final Ticker ticker;
    private final Clock clock;
    private final long queueTimeoutNanos;
    private final long releaseIntervalNanos;
    private final long drainStartNanos;
    // Held strongly here: the meters hold their object weakly.
    private final GateReadings readings = new QueueingGateReadings(this);

    private volatile Phase phase = RUNNING;
    private volatile boolean shuttingDown;
    private final MaintenanceMode maintenance;

    private final InFlightRegistry inFlight = new InFlightRegistry();
    private final QueueBounds bounds;
    private final HoldOutcomes outcomes = new HoldOutcomes();

    // Owned by the executor.
    private final HeldQueue queue = new HeldQueue();
    private int drainInFlight;
    /**
     * Released requests in release order, those still holding a drain slot among them (the others
     * are dropped from the front as they come up); at most one timer, for the oldest.
     */
    private final ArrayDeque<GatedRequest> drainSlotHolders = new ArrayDeque<>();
    private ScheduledFuture<?> drainSlotTimer;
    /** Released requests whose drain slots the loops gave back, for the executor (giveBackLater). */
    private final Queue<GatedRequest> slotsGivenBack = PlatformDependent.newMpscQueue();
    private final AtomicBoolean giveBackScheduled = new AtomicBoolean();
    private final Runnable takeGivenBackSlots = this::takeGivenBackSlots;
    /** Drain slots freed by drain-start-timeout since start; written on the executor, read anywhere. */
    private volatile long drainStartTimeouts;
    private long nextReleaseAtNanos;
    private ScheduledFuture<?> timeoutTimer;
    private ScheduledFuture<?> pumpTimer;
    private Instant pausedSince;
    private int maxQueueDepth;
    private long lastHeldId;

    /**
     * A gate on an executor of its own (a single thread named {@code pause-gate}), stopped by
     * {@link #shutdown}.
     */
    public static QueueingPauseGate start(GateSettings settings, ProxyMetrics metrics) {
        EventExecutor executor = new DefaultEventExecutor(new DefaultThreadFactory("pause-gate", true));
        return new QueueingPauseGate(settings, executor, true, metrics, Clock.systemUTC());
    }

    /**
     * A gate on the given executor (tests drive it with an embedded event loop and a mock ticker).
     * The gate reads time from {@code executor.ticker()}.
     */
    public QueueingPauseGate(GateSettings settings, EventExecutor executor, ProxyMetrics metrics, Clock clock) {
        this(settings, executor, false, metrics, clock);
    }

    private QueueingPauseGate(GateSettings settings, EventExecutor executor, boolean ownsExecutor,
                              ProxyMetrics metrics, Clock clock) {
        this.settings = settings;
        this.executor = executor;
        this.ownsExecutor = ownsExecutor;
        this.metrics = metrics;
        this.ticker = executor.ticker();
        this.clock = clock;
        this.queueTimeoutNanos = settings.queueTimeout().toNanos();
        this.releaseIntervalNanos = settings.drainRate() > 0 ? TimeUnit.SECONDS.toNanos(1) / settings.drainRate() : 0;
        this.drainStartNanos = PauseLease.saturatedNanos(settings.drainStartTimeout());
        this.bounds = new QueueBounds(settings.maxQueued(), settings.maxQueuedBytes());
        this.maintenance = new MaintenanceMode(executor, clock);
        metrics.bindGate(readings);
    }

    // ---------------------------------------------------------------------------------------------
    // The request path: called on the request's event loop.

    @Override
    public Admission enter(GatedRequest request) {
        InFlightRegistry.Loop loop = inFlight.of(request.eventLoop());
        MaintenanceWindow m = maintenance.current();
        if (m != null && answersFor(m, request)) {
            request.maintenance = m.notice;
            outcomes.maintenanceAnswered();
            return Admission.MAINTENANCE;
        }
        Phase p = phase;
        if (p.state != PauseState.RUNNING && inScope(p.pause, request)) {
            return hold(request);
        }
        loop.add(request);
        return Admission.FORWARD;
    }

    @Override
    public void exit(GatedRequest request) {
        InFlightRegistry.Loop loop = request.registry;
        if (loop == null) {
            return;
        }
        loop.remove(request);
        PauseLease mark = request.censusMark;
        if (mark != null) {
            request.censusMark = null;
            if (mark.inScope.decrementAndGet() == 0 && mark.censusPending.get() == 0) {
                toExecutor(() -> checkIdle(mark));
            }
        }
        answerStarted(request);
    }

    @Override
    public void answerStarted(GatedRequest request) {
        if (request.owesDrainSlot) {
            request.owesDrainSlot = false;
            giveBackLater(request);
        }
    }

    @Override
    public void abandon(GatedRequest request) {
        if (request.holdState != HoldState.HELD) {
            return;
        }
        endHold(request, HoldState.CLIENT_GONE);
        toExecutor(() -> unlink(request));
    }

    private boolean inScope(PauseLease pause, GatedRequest request) {
        return !settings.bypasses(request.path()) && pause.scope.matches(request);
    }

    private boolean answersFor(MaintenanceWindow m, GatedRequest request) {
        return !settings.bypasses(request.path()) && m.scope.matches(request);
    }

    private Admission hold(GatedRequest request) {
        int bytes = request.bufferedBytes();
        if (shuttingDown || !bounds.tryReserve(bytes)) {
            outcomes.rejected();
            return Admission.REJECTED;
        }
        request.holdState = HoldState.HELD;
        request.heldAtNanos = ticker.nanoTime();
        try {
            executor.execute(() -> enqueue(request));
        } catch (RejectedExecutionException e) {
            // The gate stopped between the shutdown check and here.
            request.holdState = HoldState.NOT_HELD;
            bounds.free(bytes);
            outcomes.rejected();
            return Admission.REJECTED;
        }
        outcomes.held();
        return Admission.HELD;
    }

    /**
     * Ends a hold in {@code end}: frees the request's share of the bounds, counts the outcome and
     * how long it was held; returns that time.
     */
    private long endHold(GatedRequest request, HoldState end) {
        request.holdState = end;
        bounds.free(request.bufferedBytes());
        long heldNanos = ticker.nanoTime() - request.heldAtNanos;
        outcomes.ended(end);
        metrics.recordHold(heldNanos);
        return heldNanos;
    }

    /**
     * On the request's loop: apply the executor's decision to release, unless the client left, as
     * the gate was told ({@link #abandon}) or as the request finds now
     * ({@link GatedRequest#clientGoneAtRelease}): then the hold ends {@code client_gone}, the drain
     * slot comes back, and the request is never forwarded.
     */
    private void settleRelease(GatedRequest request) {
        if (request.holdState != HoldState.HELD) {
            giveBackLater(request);
            return;
        }
        if (request.clientGoneAtRelease()) {
            endHold(request, HoldState.CLIENT_GONE);
            giveBackLater(request);
            try {
                request.onClientGone();
            } catch (RuntimeException e) {
                log.warn("closing a held request's gone client failed", e);
            }
            return;
        }
        long heldNanos = endHold(request, HoldState.RELEASED);
        request.owesDrainSlot = true;
        inFlight.of(request.eventLoop()).add(request);
        try {
            request.onRelease(heldNanos);
        } catch (RuntimeException e) {
            log.warn("releasing a held request failed", e);
        }
    }

    /** On the request's loop: apply the executor's decision to refuse, unless the client left. */
    private void settleRefusal(GatedRequest request, Refusal why) {
        if (request.holdState != HoldState.HELD) {
            return;
        }
        endHold(request, HoldState.refusedBy(why));
        try {
            request.onRefuse(why);
        } catch (RuntimeException e) {
            log.warn("refusing a held request failed", e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The executor's side: queue, drain, timers, lease.

    private void enqueue(GatedRequest request) {
        if (shuttingDown) {
            request.eventLoop().execute(() -> settleRefusal(request, Refusal.SHUTDOWN));
            return;
        }
        MaintenanceWindow m = maintenance.current();
        if (m != null && answersFor(m, request)) {
            // Held just before maintenance mode began: it answers this one too.
            refuseForMaintenance(request, m);
            return;
        }
        Phase p = phase;
        if ((p.state == PauseState.PAUSING || p.state == PauseState.PAUSED) && !inScope(p.pause, request)) {
            // Held under the previous scope just before a pause with another scope began.
            release(request);
            return;
        }
        request.heldId = ++lastHeldId;
        queue.add(request);
        maxQueueDepth = Math.max(maxQueueDepth, bounds.count());
        armTimeoutTimer();
        if (p.state == PauseState.DRAINING || p.state == PauseState.RUNNING) {
            pump();
        }
    }

    private void refuseForMaintenance(GatedRequest request, MaintenanceWindow m) {
        request.maintenance = m.notice;
        request.eventLoop().execute(() -> settleRefusal(request, Refusal.MAINTENANCE));
    }

    private void unlink(GatedRequest request) {
        if (queue.remove(request) && queue.isEmpty() && phase.state == PauseState.DRAINING) {
            pump();
        }
    }

    /** Releases held requests while the state, the drain slots and the drain rate allow. */
    private void pump() {
        Phase p = phase;
        if (p.state != PauseState.DRAINING && p.state != PauseState.RUNNING) {
            return;
        }
        boolean limited = p.state == PauseState.DRAINING;
        while (!queue.isEmpty()) {
            if (limited && drainInFlight >= settings.drainConcurrency()) {
                return;
            }
            if (limited && releaseIntervalNanos > 0) {
                long now = ticker.nanoTime();
                if (now < nextReleaseAtNanos) {
                    schedulePump(nextReleaseAtNanos - now);
                    return;
                }
                nextReleaseAtNanos = Math.max(now, nextReleaseAtNanos) + releaseIntervalNanos;
            }
            release(queue.poll());
        }
        if (p.state == PauseState.DRAINING) {
            transition(RUNNING, "queue drained");
            pausedSince = null;
        }
    }

    /** Hands a request taken off the queue to its loop to be forwarded; it takes a drain slot. */
    private void release(GatedRequest request) {
        drainInFlight++;
        request.drainSlot = true;
        request.drainSlotSinceNanos = ticker.nanoTime();
        drainSlotHolders.add(request);
        armDrainSlotTimer();
        // The loop's in-flight list must exist before a later pause takes its census, so that the
        // census is sent to this loop after this release (see the class comment).
        handToLoop(inFlight.of(request.eventLoop()), request);
    }

    /**
     * Hands a released request to its loop: into the loop's queue of releases, and one task to settle
     * them unless one is already due. A drain releases hundreds at once, and a task for each was a
     * lambda, a task-queue entry and a wake-up each. Still in order, and still before any task this
     * executor sends the loop later (a census): a task already due has not yet begun taking from the
     * queue when the flag is still set.
     */
    private void handToLoop(InFlightRegistry.Loop loop, GatedRequest request) {
        loop.released.offer(request);
        if (loop.settleScheduled.compareAndSet(false, true)) {
            Runnable settle = loop.settleReleased;
            if (settle == null) {
                settle = () -> settleReleased(loop);
                loop.settleReleased = settle;
            }
            loop.eventLoop().execute(settle);
        }
    }

    /** On a loop: settles every release handed to it so far, in release order. */
    private void settleReleased(InFlightRegistry.Loop loop) {
        loop.settleScheduled.set(false);
        GatedRequest request;
        while ((request = loop.released.poll()) != null) {
            settleRelease(request);
        }
    }

    /**
     * On a loop: a released request no longer needs its drain slot. The slots come back to the
     * executor in batches, one task for any number of them (as {@link #handToLoop} the other way),
     * and the executor hears of them once per pass of the loop, by a task that runs after the pass's
     * reads: a drain's answers arrive many to a pass, and telling the executor at each one woke its
     * thread at each one (a futex wake on the loop and a switch on the executor's core, about 7 % of
     * the loops' time in a drain of 10,000, session 15). A slot comes back a pass later at most.
     */
    private void giveBackLater(GatedRequest request) {
        slotsGivenBack.offer(request);
        EventLoop eventLoop = request.eventLoop();
        if (!eventLoop.inEventLoop()) {
            tellExecutorOfGivenBack();
            return;
        }
        InFlightRegistry.Loop loop = inFlight.of(eventLoop);
        if (loop.giveBackDue) {
            return;
        }
        Runnable tell = loop.tellGivenBack;
        if (tell == null) {
            tell = () -> {
                loop.giveBackDue = false;
                tellExecutorOfGivenBack();
            };
            loop.tellGivenBack = tell;
        }
        loop.giveBackDue = true;
        try {
            eventLoop.execute(tell);
        } catch (RejectedExecutionException e) {
            loop.giveBackDue = false;
            tellExecutorOfGivenBack();
        }
    }

    /** Any thread: one task on the executor for every slot given back so far, unless one is due. */
    private void tellExecutorOfGivenBack() {
        if (giveBackScheduled.compareAndSet(false, true)) {
            toExecutor(takeGivenBackSlots);
        }
    }

    /** On the executor: counts the slots the loops gave back, then releases as many held requests. */
    private void takeGivenBackSlots() {
        giveBackScheduled.set(false);
        boolean freed = false;
        GatedRequest request;
        while ((request = slotsGivenBack.poll()) != null) {
            freed |= freeDrainSlot(request);
        }
        if (freed) {
            dropFreedHolders();
            if (!queue.isEmpty() && phase.state == PauseState.DRAINING) {
                pump();
            }
        }
    }

    private void schedulePump(long delayNanos) {
        if (pumpTimer == null) {
            pumpTimer = executor.schedule(() -> {
                pumpTimer = null;
                pump();
            }, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The loop says a released request's slot is free (see "Drain slots"); the first word counts.
     * Returns whether it freed one.
     */
    private boolean freeDrainSlot(GatedRequest request) {
        if (!request.drainSlot) {
            return false;
        }
        request.drainSlot = false;
        drainInFlight--;
        return true;
    }

    /** Drops the holders at the front whose slots are free already (the timer watches the first). */
    private void dropFreedHolders() {
        GatedRequest first;
        while ((first = drainSlotHolders.peek()) != null && !first.drainSlot) {
            drainSlotHolders.poll();
        }
    }

    private void armDrainSlotTimer() {
        GatedRequest oldest = drainSlotHolders.peek();
        if (drainSlotTimer != null || oldest == null) {
            return;
        }
        long delay = oldest.drainSlotSinceNanos + drainStartNanos - ticker.nanoTime();
        drainSlotTimer = executor.schedule(this::expireDrainSlots, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    /**
     * Frees the slots of released requests whose answer has not started within
     * {@code drain-start-timeout} (a long-poll, an upstream thinking long): the upstream is past
     * starting them, and the requests behind must not wait for their end.
     */
    private void expireDrainSlots() {
        drainSlotTimer = null;
        long now = ticker.nanoTime();
        int freed = 0;
        GatedRequest first;
        while ((first = drainSlotHolders.peek()) != null
                && (!first.drainSlot || now - first.drainSlotSinceNanos >= drainStartNanos)) {
            drainSlotHolders.poll();
            if (first.drainSlot) {
                first.drainSlot = false;
                drainInFlight--;
                freed++;
            }
        }
        armDrainSlotTimer();
        if (freed > 0) {
            drainStartTimeouts += freed; // the executor is the only writer
            log.debug("pause gate: {} released request(s) without an answer after {}: their drain slots are free",
                    freed, Durations.format(settings.drainStartTimeout()));
            if (!queue.isEmpty() && phase.state == PauseState.DRAINING) {
                pump();
            }
        }
    }

    private void armTimeoutTimer() {
        GatedRequest oldest = queue.peek();
        if (timeoutTimer != null || oldest == null) {
            return;
        }
        long delay = oldest.heldAtNanos + queueTimeoutNanos - ticker.nanoTime();
        timeoutTimer = executor.schedule(this::expireHeld, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    private void expireHeld() {
        timeoutTimer = null;
        long now = ticker.nanoTime();
        // FIFO: the head is the oldest still held, so the expired ones are a prefix of the queue.
        while (!queue.isEmpty() && now - queue.peek().heldAtNanos >= queueTimeoutNanos) {
            GatedRequest request = queue.poll();
            request.eventLoop().execute(() -> settleRefusal(request, Refusal.TIMED_OUT));
        }
        armTimeoutTimer();
        if (queue.isEmpty() && phase.state == PauseState.DRAINING) {
            pump();
        }
    }

    private void transition(Phase next, String why) {
        Phase prev = phase;
        phase = next;
        log.info("pause gate {} -> {}: {}", prev.state.wireName(), next.state.wireName(), why);
    }

    /**
     * Starts a pause (or, naming the lease that holds, confirms it). The future completes with the
     * status once the gate is {@code paused} or {@code waitIdle} has passed, or fails with
     * {@link LeaseConflictException} / {@link LeaseGoneException} / {@link IllegalArgumentException}.
     */
    public Future<Status> pause(PauseOrder order) {
        Promise<Status> answer = executor.newPromise();
        try {
            executor.execute(() -> {
                try {
                    startPause(order, answer);
                } catch (RuntimeException e) {
                    answer.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.tryFailure(new IllegalStateException("the proxy is shutting down"));
        }
        return answer;
    }

    private void startPause(PauseOrder order, Promise<Status> answer) {
        if (shuttingDown) {
            throw new IllegalStateException("the proxy is shutting down");
        }
        ScopeMatcher scope = ScopeMatcher.of(order.scope());
        Phase current = phase;
        PauseLease holding = current.pause != null && current.pause.active() ? current.pause : null;
        if (holding != null) {
            if (order.leaseId().isPresent() && order.leaseId().get().equals(holding.leaseId)) {
                order.ttl().ifPresent(holding::renewFor);
                awaitIdle(holding, order.waitIdle(), answer);
                return;
            }
            throw new LeaseConflictException("already paused by lease held by '" + holding.holder + "' (reason '"
                    + holding.reason + "'), expiring at " + holding.expiresAt());
        }
        if (order.leaseId().isPresent()) {
            throw new LeaseGoneException("lease " + order.leaseId().get() + " no longer holds a pause");
        }
        PauseLease pause = new PauseLease(LeaseIds.next(), order.holder(), order.reason(), scope,
                executor, clock, settings.maxPause(), this::leaseExpired);
        // Everything that can fail is done before the state changes: a pause order that fails leaves
        // the gate as it was (never pausing with no expiry).
        pause.renewFor(order.ttl().orElse(settings.maxPause()));
        if (current.state == PauseState.RUNNING) {
            pausedSince = clock.instant();
            maxQueueDepth = bounds.count();
        }
        pause.censusPending.set(1);
        transition(new Phase(PauseState.PAUSING, pause), "paused by '" + pause.holder + "' (reason '"
                + pause.reason + "', lease " + pause.leaseId.substring(0, 8) + "…, scope " + scope.describe() + ")");
        // Read the loops only after the phase is published (see the class comment).
        InFlightRegistry.Loop[] loops = inFlight.loops();
        pause.censusPending.addAndGet(loops.length);
        for (InFlightRegistry.Loop l : loops) {
            try {
                l.eventLoop().execute(() -> census(l, pause));
            } catch (RejectedExecutionException e) {
                // A loop that is shutting down serves nothing in flight: it counts as censused.
                pause.censusPending.decrementAndGet();
            }
        }
        if (current.state == PauseState.DRAINING) {
            releaseOutOfScope(pause);
        }
        if (pause.censusPending.decrementAndGet() == 0) {
            checkIdle(pause);
        }
        awaitIdle(pause, order.waitIdle(), answer);
    }

    /**
     * A pause that starts while the last one drains keeps holding what the queue still holds in
     * its own scope; what it does not cover was held only by the old scope, so it goes now.
     */
    private void releaseOutOfScope(PauseLease pause) {
        int n = queue.removeIf(r -> !inScope(pause, r), this::release);
        if (n > 0) {
            log.info("pause gate released {} held request(s) outside the new pause's scope", n);
        }
    }

    /** On a loop: counts and marks that loop's in-flight requests the pause waits for. */
    private void census(InFlightRegistry.Loop loop, PauseLease pause) {
        Census census = new Census(pause);
        loop.forEach(census);
        if (census.marked > 0) {
            pause.inScope.addAndGet(census.marked);
        }
        if (pause.censusPending.decrementAndGet() == 0) {
            toExecutor(() -> checkIdle(pause));
        }
    }

    /** One loop's census for one pause: marks the in-scope requests and counts them. */
    private final class Census implements java.util.function.Consumer<GatedRequest> {
        private final PauseLease pause;
        int marked;

        Census(PauseLease pause) {
            this.pause = pause;
        }

        @Override
        public void accept(GatedRequest r) {
            if (inScope(pause, r)) {
                if (r.censusMark != null) {
                    // Counted by an earlier pause that has ended; that count no longer matters.
                    r.censusMark.inScope.decrementAndGet();
                }
                r.censusMark = pause;
                marked++;
            }
        }
    }

    private void checkIdle(PauseLease pause) {
        if (pause.censusPending.get() != 0) {
            return;
        }
        Phase p = phase;
        if (p.pause == pause && p.state == PauseState.PAUSING && pause.inScope.get() == 0) {
            transition(new Phase(PauseState.PAUSED, pause), "nothing in scope in flight");
            pause.answerIdleWaiters(this::status);
        }
        // waitIdle 0: the census is done, so the answer (paused, or pausing with its count) is true.
        pause.answerCensusWaiters(this::status);
    }

    /**
     * Answers {@code answer} when the gate is {@code paused}, or after {@code waitIdle}. A
     * {@code waitIdle} of 0 still waits for the census (see {@link PauseLease#awaitCensus}): until
     * every loop has counted its in-flight requests, {@code pausing} says nothing about them.
     */
    private void awaitIdle(PauseLease pause, Duration waitIdle, Promise<Status> answer) {
        if (phase.state != PauseState.PAUSING || phase.pause != pause) {
            answer.trySuccess(status());
            return;
        }
        if (waitIdle.isZero()) {
            if (pause.censusPending.get() == 0) {
                answer.trySuccess(status());
            } else {
                pause.awaitCensus(answer);
            }
            return;
        }
        pause.awaitIdle(answer, waitIdle, this::status);
    }

    private void leaseExpired(PauseLease pause) {
        endPause(pause, false, "lease expired (not renewed within its ttl, or max-pause "
                + Durations.format(settings.maxPause()) + " reached)");
    }

    /**
     * Renews a lease for {@code ttl} from now, or for the ttl it was given when empty (capped by
     * max-pause either way).
     */
    public Future<Status> renew(String leaseId, Optional<Duration> ttl) {
        return onExecutor(() -> {
            if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative()
                    || ttl.get().compareTo(AdminRequests.MAX_TTL) > 0)) {
                throw new IllegalArgumentException("'ttl': '" + Durations.format(ttl.get()) + "' is out of range (more"
                        + " than 0, at most " + Durations.format(AdminRequests.MAX_TTL) + ")");
            }
            PauseLease pause = activePause(leaseId);
            if (ttl.isPresent()) {
                pause.renewFor(ttl.get());
            } else {
                pause.renew();
            }
            return status();
        });
    }

    /**
     * Ends the pause that the lease holds (or, with {@code force}, whatever pause holds) and starts
     * draining. Answers at once with the status.
     */
    public Future<Status> resume(String leaseId, boolean force) {
        return onExecutor(() -> {
            PauseLease holding = phase.pause != null && phase.pause.active() ? phase.pause : null;
            if (force) {
                if (holding != null) {
                    endPause(holding, true, "forced resume");
                }
                return status();
            }
            PauseLease pause = activePause(leaseId);
            endPause(pause, true, "resumed by lease holder '" + pause.holder + "'");
            return status();
        });
    }

    private PauseLease activePause(String leaseId) {
        PauseLease p = phase.pause;
        if (leaseId == null || leaseId.isEmpty()) {
            throw new IllegalArgumentException("lease is required");
        }
        if (p == null || !p.active() || !p.leaseId.equals(leaseId)) {
            throw new LeaseGoneException("lease " + leaseId + " does not hold a pause (it ended, expired,"
                    + " or never existed)");
        }
        return p;
    }

    private void endPause(PauseLease pause, boolean resumed, String why) {
        pause.end();
        outcomes.pauseEnded(resumed);
        metrics.recordPause(ticker.nanoTime() - pause.startNanos);
        // Keep the scope while draining: in-scope arrivals queue behind the held requests.
        transition(new Phase(PauseState.DRAINING, pause), why + "; releasing " + bounds.count() + " held");
        nextReleaseAtNanos = ticker.nanoTime();
        pause.answerIdleWaiters(this::status);
        pump();
    }

    // ---------------------------------------------------------------------------------------------
    // The operator's tools: maintenance mode, the list of held requests, cancelling one.

    /**
     * Turns maintenance mode on (or, naming the lease of the one that is on, changes and renews it):
     * from now on requests in its scope are answered 503 at once with its message and
     * {@code Retry-After}, and held requests in its scope are answered so too (never forwarded).
     * Independent of any pause: a pause's requests outside its scope are still held, and resuming the
     * pause does not end it.
     *
     * @return completes with the status; fails with {@link LeaseConflictException} when another
     *         maintenance is on, {@link LeaseGoneException} when the named one is no longer on,
     *         {@link IllegalArgumentException} for a bad scope
     */
    public Future<Status> maintenanceOn(MaintenanceOrder order) {
        return onExecutor(() -> {
            if (shuttingDown) {
                throw new IllegalStateException("the proxy is shutting down");
            }
            MaintenanceWindow next = maintenance.turnOn(order, ScopeMatcher.of(order.scope()));
            int n = queue.removeIf(r -> answersFor(next, r), r -> refuseForMaintenance(r, next));
            if (n > 0) {
                log.info("maintenance mode answered {} held request(s) 503 (never forwarded)", n);
                if (queue.isEmpty() && phase.state == PauseState.DRAINING) {
                    pump();
                }
            }
            return status();
        });
    }

    /**
     * Turns maintenance mode off: the one {@code leaseId} names, or whichever is on when it is null.
     * Turning off what is not on is not an error (the status says it is off), unless a lease is named.
     *
     * @return completes with the status; fails with {@link LeaseGoneException} when the named lease
     *         is not the one on
     */
    public Future<Status> maintenanceOff(String leaseId) {
        return onExecutor(() -> {
            maintenance.turnOff(leaseId);
            return status();
        });
    }

    /** The requests held now, oldest first, at most {@code limit} of them (read on the executor). */
    public Future<HeldList> held(int limit) {
        return onExecutor(() -> {
            long now = ticker.nanoTime();
            List<HeldRequest> list = new ArrayList<>();
            for (GatedRequest r : queue.oldest(limit)) {
                list.add(view(r, now));
            }
            return new HeldList(bounds.count(), list);
        });
    }

    /**
     * Takes the held request {@code id} out of the queue and answers it 503 with {@code Retry-After}
     * and {@code Connection: close}: never forwarded, so safe for its client to retry. O(held).
     *
     * @return completes with the request as it was listed; fails with {@link NotHeldException}
     *         when no held request has that id (released, timed out, gone, or never held)
     */
    public Future<HeldRequest> cancelHeld(long id) {
        return onExecutor(() -> {
            GatedRequest request = queue.find(id);
            if (request != null) {
                HeldRequest view = view(request, ticker.nanoTime());
                queue.remove(request);
                request.eventLoop().execute(() -> settleRefusal(request, Refusal.CANCELLED));
                log.info("held request {} ({} {}) cancelled by the operator: answered 503", id, view.method(),
                        view.path());
                if (queue.isEmpty() && phase.state == PauseState.DRAINING) {
                    pump();
                }
                return view;
            }
            throw new NotHeldException("no held request has id " + id + " (released, timed out, cancelled, its"
                    + " client left, or never held): list them with GET /v1/held");
        });
    }

    private static HeldRequest view(GatedRequest r, long now) {
        return new HeldRequest(r.heldId, r.method(), r.path(), r.host(), r.client(),
                TimeUnit.NANOSECONDS.toMillis(now - r.heldAtNanos));
    }

    /** The status object, computed on the executor. */
    public Future<Status> statusAsync() {
        return onExecutor(this::status);
    }

    private Status status() {
        Phase p = phase;
        long now = ticker.nanoTime();
        GatedRequest oldest = queue.peek();
        long oldestHeldMs = oldest == null ? 0 : TimeUnit.NANOSECONDS.toMillis(now - oldest.heldAtNanos);
        PauseLease pause = p.pause;
        long inScope = p.state == PauseState.PAUSING ? Math.max(0, pause.inScope.get()) : 0;
        MaintenanceWindow m = maintenance.current();
        return new Status(p.state, bounds.count(), bounds.bytes(), inFlight(), inScope, oldestHeldMs,
                pause != null && pause.active() ? pause.toApi() : null, pausedSince, maxQueueDepth, counters())
                .withMaintenance(m == null ? null : m.toApi());
    }

    /**
     * Ends every held request with a 503 that is safe to retry ({@link Refusal#SHUTDOWN}: never
     * forwarded), refuses new holds from now on, and ends the lease without draining. Requests in
     * flight are left to finish; the gate keeps answering status until {@link #close}.
     *
     * @return completes with the number of held requests refused
     */
    public Future<Integer> shutdown() {
        Future<Integer> done = onExecutor(() -> {
            shuttingDown = true;
            maintenance.endForShutdown();
            PauseLease p = phase.pause;
            if (p != null && p.active()) {
                p.end();
                p.answerIdleWaiters(this::status);
            }
            int n = 0;
            GatedRequest r;
            while ((r = queue.poll()) != null) {
                GatedRequest request = r;
                request.eventLoop().execute(() -> settleRefusal(request, Refusal.SHUTDOWN));
                n++;
            }
            if (timeoutTimer != null) {
                timeoutTimer.cancel(false);
                timeoutTimer = null;
            }
            if (pumpTimer != null) {
                pumpTimer.cancel(false);
                pumpTimer = null;
            }
            if (drainSlotTimer != null) {
                drainSlotTimer.cancel(false);
                drainSlotTimer = null;
            }
            log.info("pause gate shutting down: {} held request(s) answered 503 (never forwarded, safe to retry)", n);
            return n;
        });
        return done;
    }

    /** Stops the gate's own executor, if it made one ({@link #start}); call after {@link #shutdown}. */
    public Future<?> close() {
        if (!ownsExecutor) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
        }
        return executor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Hands a task to the executor; after shutdown its bookkeeping no longer matters. */
    private void toExecutor(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("pause gate stopped; dropped a bookkeeping task");
        }
    }

    private <T> Future<T> onExecutor(Callable<T> task) {
        Promise<T> answer = executor.newPromise();
        try {
            executor.execute(() -> {
                try {
                    answer.trySuccess(task.call());
                } catch (Exception e) {
                    answer.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.tryFailure(new IllegalStateException("the proxy is shutting down"));
        }
        return answer;
    }

    // ---------------------------------------------------------------------------------------------
    // Readings for metrics and status; safe from any thread.

    /** The current state. */
    public PauseState state() {
        return phase.state;
    }

    /** Requests held now. */
    public int queueDepth() {
        return bounds.count();
    }

    /** Bytes buffered for the requests held now. */
    public long queuedBytes() {
        return bounds.bytes();
    }

    /**
     * Drain slots given back because {@code drain-start-timeout} passed before the released
     * request's answer started, since start.
     */
    public long drainStartTimeouts() {
        return drainStartTimeouts;
    }

    /** Requests forwarded and not finished, in scope or not. */
    public long inFlight() {
        return inFlight.size();
    }

    /** Totals since start. */
    public Counters counters() {
        return outcomes.counters();
    }

    /** The settings the gate runs with. */
    public GateSettings settings() {
        return settings;
    }

    /** Whether maintenance mode is on now. */
    boolean maintenanceOn() {
        return maintenance.current() != null;
    }

    /** The gate's readings as the metrics see them: read-only, safe from any thread. */
    public GateReadings readings() {
        return readings;
    }

    // ---------------------------------------------------------------------------------------------

    /** The state and the pause it belongs to, published together. */
    record Phase(PauseState state, PauseLease pause) {
    }
}
