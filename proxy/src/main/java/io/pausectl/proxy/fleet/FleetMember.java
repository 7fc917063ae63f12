package io.pausectl.proxy.fleet;

import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.EtcdException;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.KeyValue;
import io.pausectl.fleet.NodeReport;
import io.pausectl.proxy.gate.LeaseConflictException;
import io.pausectl.proxy.gate.LeaseGoneException;
import io.pausectl.proxy.gate.PauseOrder;
import io.pausectl.proxy.gate.QueueingPauseGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
 *       lease of {@value #SESSION_TTL_SECONDS} s, kept alive every second: a node that dies or is cut
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
    static final int SESSION_TTL_SECONDS = 3;
    private static final long SESSION_KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);
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
    private long session;
    private long sessionKeptAtNanos;
    private EtcdClient.Watch watch;
    private volatile boolean watchEnded = true;
    /** The intent this node pauses for, its local lease, and when it first paused for it. */
    private String intentId;
    private String leaseId;
    private long firstPausedAtNanos;
    private Duration intentTtl = Duration.ofSeconds(30);
    private volatile boolean idleWaiterPending;
    private NodeReport lastReport;
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
            long periodMs = leaseId != null ? Math.max(100, Math.min(IDLE_POLL_MS, intentTtl.toMillis() / 3))
                    : IDLE_POLL_MS;
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
        keepSession();
        if (watchEnded && !stopped) {
            watchEnded = false;
            watch = etcd.watch(keys.intent(), false, 0, e -> wakeUp(), e -> {
                watchEnded = true;
            });
        }
        Optional<KeyValue> read;
        try {
            read = etcd.get(keys.intent());
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
        Intent intent = null;
        if (read.isPresent()) {
            try {
                intent = Intent.fromJson(read.get().value());
            } catch (IllegalArgumentException e) {
                LOG.warn("fleet {}: {} holds no valid intent ({}); holding nothing for it", settings.fleet(),
                        keys.intent(), e.getMessage());
            }
        }
        boolean first = !intentRead;
        intentRead = true;
        if (intent != null) {
            follow(intent, first);
        } else {
            release(first ? "the intent was read: none" : "the intent is gone");
        }
        report();
    }

    /** The intent stands (just read, linearizably): pause for it, or renew the pause. */
    private void follow(Intent intent, boolean first) {
        Duration ttl = intent.ttlDuration();
        if (intentId != null && !intentId.equals(intent.id())) {
            release("a new intent replaced " + intentId);
        }
        if (!intent.id().equals(intentId)) {
            intentId = intent.id();
            firstPausedAtNanos = System.nanoTime();
            note = "";
        }
        intentTtl = ttl;
        Duration left = maxPause.minusNanos(System.nanoTime() - firstPausedAtNanos);
        if (left.isNegative() || left.isZero()) {
            if (leaseId != null) {
                resumeLease("--max-pause " + Durations.format(maxPause) + " reached for intent " + intent.id());
            }
            note = "max-pause reached";
            return;
        }
        Duration leaseTtl = ttl.compareTo(left) < 0 ? ttl : left;
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
        intentId = null;
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

    private void keepSession() {
        long now = System.nanoTime();
        try {
            if (session != 0 && now - sessionKeptAtNanos >= SESSION_KEEPALIVE_NANOS) {
                if (etcd.keepAlive(session) <= 0) {
                    LOG.info("fleet {}: the node's session lease ran out; registering again", settings.fleet());
                    session = 0;
                } else {
                    sessionKeptAtNanos = now;
                }
            }
            if (session == 0) {
                session = etcd.grantLease(Duration.ofSeconds(SESSION_TTL_SECONDS));
                sessionKeptAtNanos = now;
                lastReport = null;
            }
        } catch (EtcdException e) {
            // Reported by the intent read, which fails too.
        }
    }

    /** Puts this node's report when it changed (or the session is new). */
    private void report() {
        if (session == 0) {
            return;
        }
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
        String forIntent = NodeReport.RUNNING.equals(state) ? (note.isEmpty() ? null : intentId) : intentId;
        NodeReport next = new NodeReport(settings.node(), state, forIntent, depth, note, Instant.now());
        if (lastReport != null && lastReport.state().equals(next.state())
                && Objects.equals(lastReport.intent(), next.intent()) && lastReport.note().equals(next.note())) {
            return;
        }
        try {
            etcd.put(keys.node(settings.node()), next.toJson(), session);
            lastReport = next;
        } catch (EtcdException e) {
            // said by the read; the next tick tries again
        }
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
        EtcdClient.Watch w = watch;
        if (w != null) {
            w.close();
        }
        if (session != 0) {
            try {
                etcd.revoke(session);
            } catch (EtcdException e) {
                // it runs out within its ttl anyway
            }
        }
    }
}
