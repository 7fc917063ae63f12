package io.pausectl.cli.agent;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;
import io.pausectl.common.Durations;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.EtcdException;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.IntentReads;
import io.pausectl.fleet.LocalBound;
import io.pausectl.fleet.NodeSession;
import io.pausectl.fleet.NodeReport;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code pausectl agent}: makes one HAProxy (or anything else a {@link PauseTarget} drives) a member of
 * a fleet paused through etcd, with the same contract as a pause-proxy started with {@code --fleet}.
 * The controller ({@code pausectl --etcd --fleet run}) cannot tell the two apart.
 *
 * <ul>
 *   <li><b>The intent first.</b> Each round reads the intent (linearizably) before anything else, so
 *       at start the agent pauses its HAProxy for a window in progress before it registers.</li>
 *   <li><b>Registration.</b> The node's report ({@link NodeReport}) lives under its own session lease
 *       ({@link NodeSession}), kept alive every second by a thread of its own: an agent that dies or is
 *       cut off drops out of the fleet by itself.</li>
 *   <li><b>Pause under a local bound.</b> For an intent the agent pauses the target under a lease of
 *       the intent's ttl and renews it every third of the ttl, only after a linearizable read still
 *       shows the intent ({@link IntentReads}, {@link LocalBound}: the same rule as a pause-proxy's). The agent resumes the target itself when its own deadline (last renewal +
 *       lease ttl) passes without a renewal, and the gate strategy's lease expires inside HAProxy by
 *       HAProxy's own clock, so neither a partition nor a dead agent leaves HAProxy paused past
 *       ttl + one renewal interval (plus HAProxy's whole-second rounding).</li>
 *   <li><b>Reports.</b> {@code pausing} while in-flight requests finish, {@code paused} once none is
 *       in flight, {@code running} otherwise, each for the intent's id; a note says why when it cannot
 *       pause (another lease holds the HAProxy, HAProxy unreachable, {@code --max-pause} reached).</li>
 *   <li><b>The hard bound.</b> However often it pauses again for one intent, the agent holds for at most
 *       {@code maxPause} from its first pause for that intent (an agent restarted mid-window counts
 *       afresh from its own first pause).</li>
 *   <li><b>Takeover.</b> An agent restarted while the intent stands finds its predecessor's pause (its
 *       holder names the fleet and the intent) and renews that one, so the gate never opens between
 *       the two, provided the new agent runs within the gate's lease (ttl + 1 s).</li>
 *   <li><b>The start hold.</b> An HAProxy whose gate holds every request from its start or reload
 *       ({@code proc.pausectl_start_hold_ms}) serves what no pause holds once the agent has read the intent:
 *       when it stands, the pause or renewal ends the start hold in the same runtime API command line (so
 *       only a worker that got the pause ends it, even when HAProxy reloads between two calls); when it asks
 *       for no hold, {@link PauseTarget#intentRead} ends it. While holding, a round comes at least every
 *       second, so a worker a reload started gets the pause well within its start hold.</li>
 *   <li><b>Reloads.</b> Given the master CLI ({@code --haproxy-master}), each round that renewed renews the
 *       pause in the old workers a reload left finishing their connections, and each round that holds nothing
 *       ends it there ({@link PauseTarget#carryOver}): requests an old worker holds are released with the
 *       rest of the node, not when its last lease runs out in the middle of the window.</li>
 * </ul>
 *
 * <p>One thread runs {@link #run()} and owns every field; the intent watch and {@link #stop()} only
 * wake it.
 */
public final class FleetAgent {
    private static final long IDLE_ROUND_MS = 1000;
    /**
     * Added to the lease the agent writes into HAProxy's gate: the gate counts whole seconds of HAProxy's
     * clock, so a lease of ttl may end up to a second early there; with this margin the gate's lease ends
     * after the agent's own deadline, never before it (and at most ttl + 1 s after the last renewal when
     * the agent is dead).
     */
    static final Duration GATE_MARGIN = Duration.ofSeconds(1);
    /** How often the in-flight count is read while pausing. */
    private static final long PAUSING_ROUND_MS = 100;

    private final EtcdClient etcd;
    private final FleetKeys keys;
    private final String node;
    private final PauseTarget target;
    private final Duration maxPause;
    private final String holder;
    private final Consumer<String> log;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopped;

    /** The intent's reads and watch, this node's registration, and its own bound on each pause. */
    private final IntentReads reads;
    private final NodeSession session;
    private final LocalBound bound;
    /** The target's lease this agent holds for the intent it follows, and until when it may hold it. */
    private String leaseId;
    private long deadlineNanos;
    private long renewedAtNanos;
    private String state = NodeReport.RUNNING;
    private int queueDepth;
    private String note = "";
    private String lastProblem;
    private String lastStartHoldProblem;
    private String lastCarryOverProblem;
    /** This round: whether the intent asks this node to hold, and the ttl the target's lease was renewed to. */
    private boolean holdWanted;
    private Optional<Duration> renewedTo = Optional.empty();

    /**
     * @param etcd     the fleet's etcd
     * @param keys     the fleet's keys
     * @param node     this node's name in the fleet ({@link FleetKeys#checkName} already passed)
     * @param target   the HAProxy to pause; used from the agent's thread only
     * @param maxPause the most this agent holds its target for one intent, renewals included
     * @param holder   the lease holder written into the target's pauses
     * @param log      where the agent's lines go (one line each, no prefix)
     */
    public FleetAgent(EtcdClient etcd, FleetKeys keys, String node, PauseTarget target, Duration maxPause,
                      String holder, Consumer<String> log) {
        this.etcd = etcd;
        this.keys = keys;
        this.node = node;
        this.target = target;
        this.maxPause = maxPause;
        this.holder = holder;
        this.log = log;
        Consumer<String> say = line -> log.accept("agent " + node + ": " + line);
        this.reads = new IntentReads(etcd, keys, wake::release, say);
        this.session = new NodeSession(etcd, keys, node, "agent-session", say, wake::release);
        this.bound = new LocalBound(maxPause);
    }

    /** Follows the intent until {@link #stop()}; then resumes the target if it holds it and leaves the fleet. */
    public void run() {
        log.accept("agent " + node + " of fleet " + keys.fleet() + ": following " + keys.intent() + " on "
                + String.join(",", etcd.endpoints().stream().map(Object::toString).toList()) + ", pausing "
                + target.name() + " (max-pause " + Durations.format(maxPause) + ")");
        while (!stopped) {
            try {
                round();
            } catch (RuntimeException e) {
                log.accept("agent " + node + ": " + e);
            }
            if (stopped) {
                break;
            }
            long waitMs = nextRoundMs();
            try {
                if (wake.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        leave();
    }

    /** Asks {@link #run()} to end (from any thread, e.g. a signal handler). */
    public void stop() {
        stopped = true;
        wake.release();
    }

    private long nextRoundMs() {
        if (leaseId == null) {
            return IDLE_ROUND_MS;
        }
        if (NodeReport.PAUSING.equals(state)) {
            return PAUSING_ROUND_MS;
        }
        long now = System.nanoTime();
        long renewEvery = bound.renewEveryMillis();
        long untilRenewal = renewEvery - TimeUnit.NANOSECONDS.toMillis(now - renewedAtNanos);
        long untilDeadline = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - now);
        // At least once a second while holding, whatever the ttl: a worker started by a reload holds only by its
        // start hold until a round writes the pause into it, so a round must come well within the start hold.
        return Math.max(10, Math.min(IDLE_ROUND_MS, Math.min(untilRenewal, untilDeadline)));
    }

    private void round() {
        Optional<Intent> intent;
        try {
            intent = reads.read();
            if (lastProblem != null) {
                log.accept("agent " + node + ": etcd answers again");
                lastProblem = null;
            }
        } catch (EtcdException e) {
            if (lastProblem == null) {
                log.accept("agent " + node + ": cannot read the intent (" + e.getMessage() + "): the pause is not"
                        + " renewed, so " + target.name() + " resumes when it runs out");
            }
            lastProblem = e.getMessage();
            enforceDeadline();
            if (leaseId == null) {
                carryOver(Optional.empty());
            }
            session.register();
            report();
            return;
        }
        holdWanted = false;
        renewedTo = Optional.empty();
        boolean decided = true;
        if (intent.isPresent()) {
            decided = follow(intent.get());
        } else {
            release("the intent is gone");
        }
        if (decided && !holdWanted) {
            endStartHold();
        }
        if (renewedTo.isPresent()) {
            carryOver(renewedTo);
        } else if (leaseId == null) {
            carryOver(Optional.empty());
        }
        session.register();
        report();
    }

    /** Renews (ttl) or ends (none) the pause in what a reload of the target left running, if any. */
    private void carryOver(Optional<Duration> ttl) {
        try {
            target.carryOver(ttl);
            lastCarryOverProblem = null;
        } catch (TargetException e) {
            if (!e.getMessage().equals(lastCarryOverProblem)) {
                log.accept("agent " + node + ": " + e.getMessage());
            }
            lastCarryOverProblem = e.getMessage();
        }
    }

    /**
     * The intent was read and asks this node to hold nothing (gone, {@code --max-pause} reached, or another
     * lease holds the target): an HAProxy whose gate holds at its start (a start or reload during the window)
     * may serve what no pause holds. Every such round, since a reloaded HAProxy starts its hold afresh. When
     * the intent stands, the pause or renewal itself ends the start hold, in the same runtime API command
     * line, so that it ends only in a process that got the pause: a separate call could reach the worker a
     * reload started after the pause reached the old one.
     */
    private void endStartHold() {
        try {
            target.intentRead();
            if (lastStartHoldProblem != null) {
                lastStartHoldProblem = null;
            }
        } catch (TargetException e) {
            if (!e.getMessage().equals(lastStartHoldProblem)) {
                log.accept("agent " + node + ": cannot end the start hold of " + target.name() + ": " + e.getMessage());
            }
            lastStartHoldProblem = e.getMessage();
        }
    }

    /** Resumes the target when the agent's own deadline passed without a renewal. */
    private void enforceDeadline() {
        if (leaseId != null && System.nanoTime() - deadlineNanos >= 0) {
            endLease("no evidence that intent " + bound.intentId() + " still stands since its ttl ran out");
        }
    }

    /**
     * The intent stands (just read, linearizably): pause for it, or renew the pause.
     *
     * @return whether the target now holds what it must for the intent (false: it could not be reached)
     */
    private boolean follow(Intent intent) {
        if (bound.replaces(intent)) {
            release("intent " + intent.id() + " replaced " + bound.intentId());
        }
        LocalBound.Renewal renewal = bound.read(intent);
        if (renewal.newIntent()) {
            note = "";
        }
        if (renewal.exhausted()) {
            if (leaseId != null) {
                endLease("--max-pause " + Durations.format(maxPause) + " reached for intent " + intent.id());
            }
            note = "max-pause reached";
            state = NodeReport.RUNNING;
            return true;
        }
        Duration leaseTtl = renewal.ttl().orElseThrow();
        holdWanted = true;
        long startedAt = System.nanoTime();
        try {
            Status status;
            if (leaseId != null) {
                try {
                    status = target.renew(leaseId, leaseTtl.plus(GATE_MARGIN));
                } catch (LeaseGoneException e) {
                    log.accept("agent " + node + ": the pause of " + target.name() + " for intent " + intent.id()
                            + " ran out (" + e.getMessage() + "); pausing again, the intent still stands");
                    leaseId = null;
                    status = pause(intent, leaseTtl);
                }
            } else {
                status = pause(intent, leaseTtl);
            }
            renewedAtNanos = startedAt;
            deadlineNanos = startedAt + leaseTtl.toNanos();
            renewedTo = Optional.of(leaseTtl.plus(GATE_MARGIN));
            note = "";
            see(status);
            return true;
        } catch (ConflictException e) {
            holdWanted = false;
            note = "another lease holds " + target.name() + ": " + e.getMessage();
            state = NodeReport.RUNNING;
            problem(note);
            return true;
        } catch (TargetException e) {
            note = e.getMessage();
            problem("cannot pause for intent " + intent.id() + ": " + e.getMessage());
            enforceDeadline();
            if (leaseId == null) {
                state = NodeReport.RUNNING;
            }
            return false;
        }
    }

    private Status pause(Intent intent, Duration leaseTtl) throws TargetException {
        Status now = target.status();
        if (now.lease() != null && now.lease().holder() != null && now.lease().holder().endsWith(holderSuffix(intent))) {
            // An agent of this node before a restart paused HAProxy for this very intent: take its pause
            // over, so that the restart never lets a request through.
            leaseId = now.lease().id();
            log.accept("agent " + node + ": took over the pause of " + target.name() + " for intent " + intent.id()
                    + " left by " + now.lease().holder());
            lastProblem = null;
            return target.renew(leaseId, leaseTtl.plus(GATE_MARGIN));
        }
        Status status = target.pause(new PauseSpec(intent.reason(), holder + holderSuffix(intent),
                leaseTtl.plus(GATE_MARGIN), Duration.ZERO, intent.scope()));
        leaseId = status.lease() == null ? null : status.lease().id();
        log.accept("agent " + node + ": paused " + target.name() + " for intent " + intent.id() + " by "
                + intent.holder() + " (ttl " + Durations.format(leaseTtl) + ")");
        lastProblem = null;
        return status;
    }

    /** How this agent's pauses for an intent end their holder: the same for every agent of the fleet. */
    private String holderSuffix(Intent intent) {
        return " for fleet " + keys.fleet() + " intent " + intent.id();
    }

    /** Reads the state to report from the target's status. */
    private void see(Status status) {
        queueDepth = Math.max(0, status.queueDepth());
        boolean ours = leaseId != null && status.lease() != null && leaseId.equals(status.lease().id());
        if (!ours) {
            leaseId = null;
            state = NodeReport.RUNNING;
        } else if (status.state() == PauseState.PAUSED) {
            state = NodeReport.PAUSED;
        } else if (status.state() == PauseState.PAUSING) {
            state = NodeReport.PAUSING;
        } else {
            state = NodeReport.RUNNING;
        }
    }

    private void problem(String message) {
        if (!message.equals(lastProblem)) {
            log.accept("agent " + node + ": " + message);
        }
        lastProblem = message;
    }

    /** No intent (or another one): end this agent's pause, if any. */
    private void release(String why) {
        if (leaseId != null) {
            endLease(why);
        }
        bound.forget();
        note = "";
        state = NodeReport.RUNNING;
    }

    private void endLease(String why) {
        String id = leaseId;
        leaseId = null;
        state = NodeReport.RUNNING;
        try {
            target.resume(id);
            log.accept("agent " + node + ": " + why + "; resumed " + target.name());
        } catch (LeaseGoneException e) {
            log.accept("agent " + node + ": " + why + "; " + target.name() + " had already stopped holding");
        } catch (TargetException e) {
            // The gate's own lease still ends the hold inside HAProxy; say so.
            log.accept("agent " + node + ": " + why + "; could not resume " + target.name() + " (" + e.getMessage()
                    + "); its gate stops holding when its lease runs out");
        }
    }

    /** Puts this node's report when it changed (or the session is new). */
    private void report() {
        session.report(NodeReport.now(node, state, bound.intentId(), queueDepth, note));
    }

    /** Ends the pause this agent holds and leaves the fleet at once. */
    private void leave() {
        if (leaseId != null) {
            endLease("the agent stops");
        }
        carryOver(Optional.empty());
        reads.close();
        session.close();
        log.accept("agent " + node + ": stopped");
    }
}
