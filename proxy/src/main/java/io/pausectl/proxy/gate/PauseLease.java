package io.pausectl.proxy.gate;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pausectl.api.Lease;
import io.pausectl.api.Status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One pause, from its start to the end of its lease: who holds it and why, its scope, the lease's
 * time to live and expiry timer, the callers waiting for the gate to be {@code paused}, and the
 * census count of in-scope requests still in flight.
 *
 * <p>Everything but the census counters belongs to the gate's executor, which is also where the
 * expiry and the idle waiters' time-outs run. The census counters are updated from the event loops
 * (see {@link QueueingPauseGate}).
 */
final class PauseLease {
    final String leaseId;
    final String holder;
    final String reason;
    final ScopeMatcher scope;
    /** When the pause started, on the executor's ticker. */
    final long startNanos;
    /** In-scope requests in flight not yet finished, as counted by the census. */
    final AtomicLong inScope = new AtomicLong();
    /** Census tasks not yet reported (plus one while they are being sent). */
    final AtomicInteger censusPending = new AtomicInteger();

    private final EventExecutor executor;
    private final Clock clock;
    private final long capNanos;
    private final Consumer<PauseLease> onExpiry;

    // Owned by the executor.
    private boolean active = true;
    private Duration ttl;
    private long expiresAtNanos;
    private Instant expiresAt;
    private ScheduledFuture<?> expiry;
    private final List<Promise<Status>> idleWaiters = new ArrayList<>(1);
    private final List<Promise<Status>> censusWaiters = new ArrayList<>(1);

    /**
     * A lease starting now (on {@code executor}'s ticker). It has no expiry until the first
     * {@link #renewFor}.
     *
     * @param maxPause the longest the pause may last from its start, however often it is renewed
     * @param onExpiry runs on the executor when the lease expires while still active
     */
    PauseLease(String leaseId, String holder, String reason, ScopeMatcher scope, EventExecutor executor,
               Clock clock, Duration maxPause, Consumer<PauseLease> onExpiry) {
        this.leaseId = leaseId;
        this.holder = holder;
        this.reason = reason;
        this.scope = scope;
        this.executor = executor;
        this.clock = clock;
        this.onExpiry = onExpiry;
        this.startNanos = executor.ticker().nanoTime();
        this.capNanos = startNanos + maxPause.toNanos();
    }

    /** Whether the lease still holds its pause (not resumed, expired, or ended by shutdown). */
    boolean active() {
        return active;
    }

    /** When the lease expires unless renewed (wall clock). */
    Instant expiresAt() {
        return expiresAt;
    }

    /** The lease as the admin API shows it. */
    Lease toApi() {
        return new Lease(leaseId, holder, reason, expiresAt, scope.scope);
    }

    /**
     * Makes {@code ttl} the lease's time to live and renews it for that long from now. Nothing is
     * changed unless the whole renewal succeeds, so a failed renewal cannot leave the lease with a
     * time to live it was never given.
     */
    void renewFor(Duration ttl) {
        long now = executor.ticker().nanoTime();
        long at = expiryFrom(now, ttl);
        this.ttl = ttl;
        expireAt(now, at);
    }

    /**
     * Sets the expiry one time to live from now, capped at the pause's start plus max-pause, and
     * (re)schedules the expiry timer.
     */
    void renew() {
        long now = executor.ticker().nanoTime();
        expireAt(now, expiryFrom(now, ttl));
    }

    /** Now plus {@code ttl}, capped at the pause's start plus max-pause, without overflow for any ttl. */
    private long expiryFrom(long now, Duration ttl) {
        long left = Math.max(0, capNanos - now);
        return now + Math.min(saturatedNanos(ttl), left);
    }

    /** The duration in nanoseconds, {@link Long#MAX_VALUE} when it has more (about 292 years). */
    static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private void expireAt(long now, long at) {
        if (expiry != null) {
            expiry.cancel(false);
        }
        expiresAtNanos = at;
        expiresAt = clock.instant().plusNanos(at - now);
        expiry = executor.schedule(() -> {
            if (active && expiresAtNanos == at) {
                onExpiry.accept(this);
            }
        }, Math.max(0, at - now), TimeUnit.NANOSECONDS);
    }

    /** Ends the lease: it no longer holds the pause and its expiry timer is cancelled. */
    void end() {
        active = false;
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    /**
     * Answers {@code answer} with {@code status} when the gate reaches {@code paused}
     * ({@link #answerIdleWaiters}) or after {@code waitIdle}, whichever comes first.
     */
    void awaitIdle(Promise<Status> answer, Duration waitIdle, Supplier<Status> status) {
        idleWaiters.add(answer);
        executor.schedule(() -> {
            if (idleWaiters.remove(answer)) {
                answer.trySuccess(status.get());
            }
        }, saturatedNanos(waitIdle), TimeUnit.NANOSECONDS);
    }

    /**
     * Answers {@code answer} once every census has reported ({@link #answerCensusWaiters}): a
     * {@code waitIdle} of 0 asks for the gate's answer now, and before the census is done the gate
     * cannot tell {@code paused} from {@code pausing} (it said {@code pausing} with 0 in flight, and
     * {@code pausectl --wait-idle 0} gave up on an idle proxy). The census is a task per event loop:
     * it takes as long as the loops' queues, not as long as any request.
     */
    void awaitCensus(Promise<Status> answer) {
        censusWaiters.add(answer);
    }

    /** Answers every caller waiting in {@link #awaitCensus} with one status, computed once. */
    void answerCensusWaiters(Supplier<Status> status) {
        answer(censusWaiters, status);
    }

    /**
     * Answers every caller waiting in {@link #awaitIdle} (and {@link #awaitCensus}: the gate
     * reached {@code paused}, or the pause ended) with one status, computed once.
     */
    void answerIdleWaiters(Supplier<Status> status) {
        answer(idleWaiters, status);
        answer(censusWaiters, status);
    }

    private static void answer(List<Promise<Status>> waiting, Supplier<Status> status) {
        if (waiting.isEmpty()) {
            return;
        }
        Status now = status.get();
        List<Promise<Status>> waiters = new ArrayList<>(waiting);
        waiting.clear();
        for (Promise<Status> w : waiters) {
            w.trySuccess(now);
        }
    }
}
