package io.pausectl.cli.haproxy;

import io.pausectl.api.Counters;
import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What both HAProxy strategies share: the runtime API, the frontends named by {@code --frontend},
 * the in-flight count (the sum of {@code scur} over the BACKEND rows of {@code show stat}: requests
 * forwarded and not finished; held requests are not in it) and the wait for it to reach zero.
 */
abstract class HaproxyTarget implements PauseTarget {
    /** How often a pause polls {@code show stat} while waiting for in-flight requests to finish. */
    static final Duration IDLE_POLL = Duration.ofMillis(100);

    final HaproxyRuntime runtime;
    final List<String> frontends;

    HaproxyTarget(HaproxyRuntime runtime, List<String> frontends) {
        if (frontends.isEmpty()) {
            throw new IllegalArgumentException("--frontend must name at least one HAProxy frontend");
        }
        this.runtime = runtime;
        this.frontends = List.copyOf(frontends);
    }

    @Override
    public String name() {
        return runtime.address().text();
    }

    /** The message prefix that names this target. */
    String who() {
        return "HAProxy at " + name();
    }

    TargetException failure(String doing, RuntimeApiException e) {
        return new TargetException(e instanceof RuntimeApiCommandException ? TargetException.Kind.FAILED
                : TargetException.Kind.UNREACHABLE, "could not " + doing + " " + who() + ": " + e.getMessage(), e);
    }

    /** Requests forwarded to backends and not finished. */
    static long inFlight(List<StatRow> stats) {
        long sum = 0;
        for (StatRow row : stats) {
            if (row.isBackend()) {
                sum += row.getLong("scur", 0);
            }
        }
        return sum;
    }

    /** The FRONTEND rows of the named frontends, in order; fails naming those that do not exist. */
    List<StatRow> frontendRows(List<StatRow> stats) throws TargetException {
        List<StatRow> rows = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String fe : frontends) {
            StatRow found = null;
            for (StatRow row : stats) {
                if (row.isFrontend() && fe.equals(row.pxname())) {
                    found = row;
                }
            }
            if (found == null) {
                missing.add(fe);
            } else {
                rows.add(found);
            }
        }
        if (!missing.isEmpty()) {
            List<String> known = new ArrayList<>();
            for (StatRow row : stats) {
                if (row.isFrontend()) {
                    known.add(row.pxname());
                }
            }
            throw new TargetException(who() + " has no frontend " + String.join(", ", missing)
                    + " (its frontends: " + String.join(", ", known) + ")");
        }
        return rows;
    }

    /** A count of the requests a pause waits for, read from HAProxy. */
    @FunctionalInterface
    interface InFlightProbe {
        long count() throws RuntimeApiException;
    }

    /**
     * Polls until nothing is in flight (show stat's backend {@code scur}) or {@code waitIdle} passes.
     *
     * @return the last in-flight count seen (0 when idle)
     */
    long awaitIdle(Duration waitIdle) throws TargetException {
        return awaitIdle(waitIdle, () -> inFlight(runtime.showStat()));
    }

    /**
     * Polls {@code probe} until it reads 0 or {@code waitIdle} passes.
     *
     * @return the last count read (0 when idle)
     */
    long awaitIdle(Duration waitIdle, InFlightProbe probe) throws TargetException {
        long deadline = System.nanoTime() + Math.max(0, waitIdle.toNanos());
        while (true) {
            long inFlight;
            try {
                inFlight = probe.count();
            } catch (RuntimeApiException e) {
                throw failure("read in-flight requests of", e);
            }
            if (inFlight == 0 || System.nanoTime() >= deadline) {
                return inFlight;
            }
            try {
                Thread.sleep(IDLE_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TargetException("interrupted while waiting for " + who() + " to finish in-flight requests");
            }
        }
    }

    static String newLeaseId() {
        return String.format(Locale.ROOT, "hap-%016x", ThreadLocalRandom.current().nextLong());
    }

    static Status status(PauseState state, int queueDepth, long inFlight, long oldestHeldMs, Lease lease,
                         Instant pausedSince, int maxQueueDepth, Counters counters) {
        boolean holding = state == PauseState.PAUSING || state == PauseState.PAUSED;
        return status(state, queueDepth, inFlight, holding ? inFlight : 0, oldestHeldMs, lease, pausedSince,
                maxQueueDepth, counters);
    }

    /** With {@code inFlightInScope}: the requests in flight that the pause waits for, of {@code inFlight}. */
    static Status status(PauseState state, int queueDepth, long inFlight, long inFlightInScope, long oldestHeldMs,
                         Lease lease, Instant pausedSince, int maxQueueDepth, Counters counters) {
        return new Status(state, queueDepth, 0, inFlight, inFlightInScope, oldestHeldMs, lease,
                pausedSince, maxQueueDepth, counters);
    }

    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + ", frontends " + frontends + "]";
    }
}
