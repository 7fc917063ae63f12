package io.pausectl.cli;

import io.pausectl.api.Status;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The targets a command drives, called in parallel. Each target is wrapped so that its calls are
 * serialised (a {@link PauseTarget} is used from one thread at a time, while renewals, status polls
 * and resumes come from different threads). A call that throws anything is that target's failure,
 * never the others': a bug in one driver must not leave the other targets paused.
 */
final class Fleet implements AutoCloseable {
    private final List<PauseTarget> targets;
    private final ExecutorService pool;

    Fleet(List<PauseTarget> targets) {
        List<PauseTarget> serialised = new ArrayList<>();
        targets.forEach(t -> serialised.add(new Serialised(t)));
        this.targets = List.copyOf(serialised);
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pausectl-fleet");
            t.setDaemon(true);
            return t;
        });
    }

    List<PauseTarget> targets() {
        return targets;
    }

    /** One call on a target. */
    @FunctionalInterface
    interface Call<T> {
        T apply(PauseTarget target) throws TargetException;
    }

    /** What one call gave: a value, or the target's failure. */
    record Result<T>(PauseTarget target, T value, TargetException error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Calls every target at once; waits for all; results in the targets' order. */
    <T> List<Result<T>> each(Call<T> call) {
        return each(targets, call);
    }

    /** Calls the given targets (of this fleet) at once; waits for all; results in their order. */
    <T> List<Result<T>> each(List<PauseTarget> some, Call<T> call) {
        if (some.size() == 1) {
            // Nothing to overlap: call it on this thread rather than start one (a short call's
            // start-up, issue 12 item 7).
            return List.of(callOne(some.get(0), call));
        }
        List<CompletableFuture<Result<T>>> futures = new ArrayList<>();
        for (PauseTarget target : some) {
            futures.add(CompletableFuture.supplyAsync(() -> callOne(target, call), pool));
        }
        List<Result<T>> results = new ArrayList<>();
        for (CompletableFuture<Result<T>> future : futures) {
            results.add(future.join());
        }
        return results;
    }

    private static <T> Result<T> callOne(PauseTarget target, Call<T> call) {
        try {
            return new Result<>(target, call.apply(target), null);
        } catch (TargetException e) {
            return new Result<>(target, null, e);
        } catch (RuntimeException e) {
            return new Result<>(target, null, new TargetException(target.name() + ": " + e, e));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        targets.forEach(PauseTarget::close);
    }

    /** Serialises the calls to one target. */
    private static final class Serialised implements PauseTarget {
        private final PauseTarget target;

        Serialised(PauseTarget target) {
            this.target = target;
        }

        @Override
        public String name() {
            return target.name();
        }

        @Override
        public synchronized Status status() throws TargetException {
            return target.status();
        }

        @Override
        public synchronized Status pause(PauseSpec spec) throws TargetException {
            return target.pause(spec);
        }

        @Override
        public synchronized Status renew(String leaseId, Duration ttl) throws TargetException {
            return target.renew(leaseId, ttl);
        }

        @Override
        public synchronized Status resume(String leaseId) throws TargetException {
            return target.resume(leaseId);
        }

        @Override
        public synchronized void intentRead() throws TargetException {
            target.intentRead();
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
