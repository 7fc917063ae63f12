package io.pausectl.cli.target;

import io.pausectl.api.Status;

import java.time.Duration;
import java.util.Optional;

/**
 * Something pausectl can pause and resume: a pause proxy through its admin API, or an HAProxy
 * through its runtime API. The commands ({@code pause}, {@code resume}, {@code status}, {@code run})
 * work on a list of these and never know which kind they drive. Calls block, each within its own
 * timeout; an implementation is used from one thread at a time.
 */
public interface PauseTarget extends AutoCloseable {

    /**
     * A {@link io.pausectl.api.Status#queueDepth()} or {@code maxQueueDepth()} the target cannot
     * count: HAProxy's maxconn strategy holds new connections in the kernel's accept queue, which
     * HAProxy does not count. Shown as "not counted", never summed.
     */
    int NOT_COUNTED = -1;

    /** How the target is named to the user: its URL or socket address. */
    String name();

    /** The current status. */
    Status status() throws TargetException;

    /**
     * Starts a pause, waiting at most {@code spec.waitIdle()} for in-flight work to finish.
     *
     * @return the status when paused, or when the wait ran out (state still {@code pausing})
     * @throws ConflictException when another lease already holds a pause
     */
    Status pause(PauseSpec spec) throws TargetException;

    /**
     * Extends the lease to {@code ttl} from now.
     *
     * @throws LeaseGoneException when the lease is no longer held (expired, or resumed by force)
     */
    Status renew(String leaseId, Duration ttl) throws TargetException;

    /**
     * Ends the pause held by {@code leaseId}, or whatever pause holds when {@code leaseId} is null
     * (force). Answers at once; held requests drain after.
     *
     * @throws LeaseGoneException when that lease is no longer held
     */
    Status resume(String leaseId) throws TargetException;

    /**
     * Says that the fleet's pause intent has been read and that no pause is to be held for it, so that a
     * start hold ends now: an HAProxy gate loaded with {@code proc.pausectl_start_hold_ms} holds every
     * request from its start until this call, a {@link #pause} or {@link #renew} (which end it in the same
     * step as they pause, so that it never ends apart from the pause), or the bound. {@code pausectl agent}
     * calls it after each round that read the intent and holds no pause. A target without a start hold
     * ignores it.
     */
    default void intentRead() throws TargetException {
    }

    /**
     * Carries this target's pause over to the processes a reload left finishing their connections, which the
     * target's own address no longer reaches (an HAProxy's old workers in master-worker mode): with a ttl, each
     * of them that holds a pause this target wrote keeps holding, its lease renewed to {@code ttl} from now;
     * with none, they stop holding. {@code pausectl agent} calls it after each round that renewed (with the
     * ttl it renewed to) or that holds no pause (with none). A target without such processes ignores it.
     */
    default void carryOver(Optional<Duration> ttl) throws TargetException {
    }

    /** Releases connections and threads; never changes the target's state. */
    @Override
    void close();
}
