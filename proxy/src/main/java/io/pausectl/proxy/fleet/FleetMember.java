package io.pausectl.proxy.fleet;

import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.EtcdException;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.IntentReads;
import io.pausectl.fleet.LocalBound;
import io.pausectl.fleet.NodeSession;
import io.pausectl.fleet.NodeReport;
import io.pausectl.proxy.gate.LeaseConflictException;
import io.pausectl.proxy.gate.LeaseGoneException;
import io.pausectl.proxy.gate.PauseOrder;
import io.pausectl.proxy.gate.QueueingPauseGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This proxy as a member of a fleet paused through etcd ({@code --fleet}). One thread
 * ({@code fleet-member}) owns every field; a watch on the intent key only wakes it.
 *
 * <ul>
 *   <li><b>Registration.</b> The node's report ({@link NodeReport}) is put under its own session
 *       lease of {@value NodeSession#TTL_SECONDS} s ({@link NodeSession}), kept alive every second: a node that dies or is cut
 *       off drops out of the fleet by itself.</li>
 *   <li><b>Pause.</b> When the intent appears, the node pauses its own gate under a local lease of
 *       the intent's ttl, with the intent's scope, and reports {@code pausing}, then {@code paused}
 *       once nothing in scope is in flight.</li>
 *   <li><b>Renewal only on evidence.</b> Every third of the ttl it reads the intent with a
 *       linearizable read and renews the local lease only if the read shows the same intent. A node
 *       cut off from etcd (or etcd without a quorum) cannot read, so its lease runs out and it
 *       resumes by itself within ttl plus one renewal interval; when it can read again and the
 *       intent still stands, it pauses again. etcd may keep leases alive across a leader change, so
 *       the node's own lease, not etcd's, bounds its hold.</li>
 *   <li><b>The hard bound.</b> However often it pauses again for one intent, a node holds for at
 *       most {@code --max-pause} from its first pause for that intent.</li>
 *   <li><b>Start hold.</b> Before the proxy accepts its first client, {@link #holdAtStart} pauses
 *       the gate (every request but bypass paths) for at most {@code --fleet-start-hold}; the first
 *       read of the intent either turns that hold into the intent's pause or ends it. So a node
 *       started during a window never serves into it, and a node that cannot reach etcd serves
 *       after the start hold.</li>
 * </ul>
 */
public final class FleetMember implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetMember.class);
    private static final long IDLE_POLL_MS = 1000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);
    private static final long GATE_TIMEOUT_MS = 5000;

    private final FleetSettings settings;
    private final FleetKeys keys;
    private final QueueingPauseGate gate;
    private final Duration maxPause;
    private final EtcdClient etcd;
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean stopped;

    // Owned by the fleet-member thread (and holdAtStart, before it starts).
    private String startHoldLease;
    private boolean intentRead;
    /** The intent's reads and watch, this node's registration, and its own bound on each pause. */
    private final IntentReads reads;
    private final NodeSession session;
    private final LocalBound bound;
    /** The local lease this node pauses under for the intent it follows. */
    private String leaseId;
    private volatile boolean idleWaiterPending;
    private String lastReadProblem;
    private String note = "";

    public FleetMember(FleetSettings settings, QueueingPauseGate gate, Duration maxPause) {
        this.settings = settings;
        this.keys = FleetKeys.of(settings.fleet());
        this.gate = gate;
        this.maxPause = maxPause;
        this.etcd = new EtcdClient(settings.etcd(), CALL_TIMEOUT);
        this.thread = new Thread(this::loop, "fleet-member");
        this.thread.setDaemon(true);
        this.reads = new IntentReads(etcd, keys, this::wakeUp, line -> LOG.warn("fleet {}: {}", settings.fleet(), line));
        this.session = new NodeSession(etcd, keys, settings.node(), "fleet-member-session",
                line -> LOG.info("fleet {}: {}", settings.fleet(), line), this::wakeUp);
        this.bound = new LocalBound(maxPause);
    }

    /**
     * Holds every request (bypass paths aside) until the intent has been read, for at most
     * {@code --fleet-start-hold}. Call before the proxy accepts clients.
     */
    public void holdAtStart() throws InterruptedException {
        try {
            Status status = gate.pause(new PauseOrder("fleet " + settings.fleet() + ": start hold until the intent is"
                    + " read from etcd", "pause-proxy fleet member " + settings.node(),
                    Optional.of(settings.startHold()), Duration.ZERO, Scope.ALL, Optional.empty()))
                    .get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            startHoldLease = status.lease() == null ? null : status.lease().id();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("fleet {}: could not hold at start ({}); serving at once", settings.fleet(), e.toString());
        }
    }

    /**
     * Starts following the fleet's intent. Call once the proxy accepts clients: the start hold is
     * renewed here, so that it lasts {@code --fleet-start-hold} from the first client's chance to
     * connect, however long the listeners took to bind.
     */
    public void start() {
        if (startHoldLease != null) {
            try {
                gate.renew(startHoldLease, Optional.of(settings.startHold())).get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // It ran out already (a very slow start): nothing is held.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("fleet {}: node {} following {} on {} (start hold at most {})", settings.fleet(), settings.node(),
                keys.intent(), String.join(",", settings.etcd()), Durations.format(settings.startHold()));
        thread.start();
    }

    private void loop() {
        while (!stopped) {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warn("fleet {}: {}", settings.fleet(), e.toString());
            }
            long periodMs = leaseId != null ? bound.renewEveryMillis() : IDLE_POLL_MS;
            try {
                if (wake.tryAcquire(periodMs, TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void wakeUp() {
        wake.release();
    }

    private void tick() {
        session.register();
        Optional<Intent> intent;
        try {
            intent = reads.read();
            if (lastReadProblem != null) {
                LOG.info("fleet {}: etcd answers again", settings.fleet());
                lastReadProblem = null;
            }
        } catch (EtcdException e) {
            if (lastReadProblem == null) {
                LOG.warn("fleet {}: cannot read the intent ({}): the local lease is not renewed, so this node resumes"
                        + " by itself when it runs out", settings.fleet(), e.getMessage());
            }
            lastReadProblem = e.getMessage();
            report();
            return;
        }
        boolean first = !intentRead;
        intentRead = true;
        if (intent.isPresent()) {
            follow(intent.get(), first);
        } else {
            release(first ? "the intent was read: none" : "the intent is gone");
        }
        report();
    }

    /** The intent stands (just read, linearizably): pause for it, or renew the pause. */
    private void follow(Intent intent, boolean first) {
        if (bound.replaces(intent)) {
            release("a new intent replaced " + bound.intentId());
        }
        LocalBound.Renewal renewal = bound.read(intent);
        if (renewal.newIntent()) {
            note = "";
        }
        if (renewal.exhausted()) {
            if (leaseId != null) {
                resumeLease("--max-pause " + Durations.format(maxPause) + " reached for intent " + intent.id());
            }
            note = "max-pause reached";
            return;
        }
        Duration leaseTtl = renewal.ttl().orElseThrow();
        if (leaseId != null) {
            try {
                gate.renew(leaseId, Optional.of(leaseTtl)).get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                awaitIdle(intent);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof LeaseGoneException)) {
                    LOG.warn("fleet {}: renewing the local lease failed: {}", settings.fleet(), e.getCause().toString());
                    return;
                }
                LOG.info("fleet {}: the local lease for intent {} ran out; pausing again, the intent still stands",
                        settings.fleet(), intent.id());
                leaseId = null;
            } catch (InterruptedException | TimeoutException e) {
                return;
            }
        }
        boolean adopt = first && startHoldLease != null;
        PauseOrder order = new PauseOrder(intent.reason(), "fleet " + settings.fleet() + " intent " + intent.id()
                + " by " + intent.holder(), Optional.of(leaseTtl), Duration.ZERO, intent.scope(),
                adopt ? Optional.of(startHoldLease) : Optional.empty());
        try {
            Status status = gate.pause(order).get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            leaseId = status.lease() == null ? null : status.lease().id();
            startHoldLease = null;
            LOG.info("fleet {}: paused for intent {} by {} (ttl {}{})", settings.fleet(), intent.id(),
                    intent.holder(), Durations.format(leaseTtl), adopt ? ", kept from the start hold" : "");
            note = "";
            awaitIdle(intent);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LeaseGoneException && adopt) {
                // The start hold ran out before etcd answered: pause afresh.
                startHoldLease = null;
                follow(intent, false);
                return;
            }
            note = cause instanceof LeaseConflictException ? "another lease holds this proxy: " + cause.getMessage()
                    : cause.toString();
            LOG.warn("fleet {}: cannot pause for intent {}: {}", settings.fleet(), intent.id(), note);
        } catch (InterruptedException | TimeoutException e) {
            // the next tick tries again
        }
    }

    /** Wakes the loop when the gate is paused (or the intent's wait-idle passed), to report it at once. */
    private void awaitIdle(Intent intent) {
        if (idleWaiterPending || leaseId == null) {
            return;
        }
        idleWaiterPending = true;
        gate.pause(new PauseOrder(intent.reason(), "", Optional.empty(), intent.waitIdleDuration(), intent.scope(),
                Optional.of(leaseId))).addListener(f -> {
                    idleWaiterPending = false;
                    wakeUp();
                });
    }

    /** No intent (or another one): end the start hold and this node's pause, if any. */
    private void release(String why) {
        if (startHoldLease != null) {
            endLease(startHoldLease);
            LOG.info("fleet {}: {}; start hold ended, serving", settings.fleet(), why);
            startHoldLease = null;
        }
        if (leaseId != null) {
            resumeLease(why);
        }
        bound.forget();
        note = "";
    }

    private void resumeLease(String why) {
        endLease(leaseId);
        LOG.info("fleet {}: {}; resumed", settings.fleet(), why);
        leaseId = null;
    }

    private void endLease(String id) {
        try {
            gate.resume(id, false).get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // LeaseGoneException: it ran out already
        } catch (InterruptedException | TimeoutException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Puts this node's report when it changed (or the session is new). */
    private void report() {
        String state = NodeReport.RUNNING;
        int depth = 0;
        try {
            Status status = gate.statusAsync().get(GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            depth = status.queueDepth();
            String holding = status.lease() == null ? null : status.lease().id();
            boolean ours = holding != null && (holding.equals(leaseId) || holding.equals(startHoldLease));
            if (ours) {
                switch (status.state()) {
                    case PAUSED -> state = NodeReport.PAUSED;
                    case PAUSING -> state = NodeReport.PAUSING;
                    default -> state = NodeReport.RUNNING;
                }
            }
            if (leaseId != null && !ours) {
                leaseId = null; // it ran out (or was resumed through the admin API)
            }
        } catch (ExecutionException | TimeoutException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        session.report(NodeReport.now(settings.node(), state, bound.intentId(), depth, note));
    }

    /** Stops following: the node's key goes at once (its session revoked); the gate is the proxy's to end. */
    @Override
    public void close() {
        stopped = true;
        wakeUp();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reads.close();
        session.close();
    }
}
