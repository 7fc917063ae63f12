package io.pausectl.fleet;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A fleet node's registration: its {@link NodeReport} under {@link FleetKeys#node(String)}, bound to a
 * session lease of {@value #TTL_SECONDS} s that a thread of its own keeps alive every second, so that slow
 * calls of the node's loop never let it lapse, and a node that dies or is cut off drops out of the fleet by
 * itself. {@link #register} and {@link #report} are called from the node's loop thread; a lease found gone
 * by the keeper is granted again by the next {@link #register}, which wakes the loop through
 * {@code onLost}.
 */
public final class NodeSession implements AutoCloseable {
    /** The session lease, in seconds: how soon a dead or cut-off node leaves the fleet. */
    public static final int TTL_SECONDS = 3;

    private final EtcdClient etcd;
    private final String key;
    private final Consumer<String> log;
    private final Runnable onLost;
    private final ScheduledExecutorService keeper;
    private volatile long lease;
    private volatile boolean lost;
    /** The last report put under the current lease (loop thread). */
    private NodeReport lastReport;

    /**
     * @param log    where the line "the session lease ran out; registering again" goes
     * @param onLost called (on the keeper's thread) when the lease is found gone, to wake the loop
     */
    public NodeSession(EtcdClient etcd, FleetKeys keys, String node, String threadName, Consumer<String> log,
                       Runnable onLost) {
        this.etcd = etcd;
        this.key = keys.node(node);
        this.log = log;
        this.onLost = onLost;
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keepAliveOnce, 1, 1, TimeUnit.SECONDS);
    }

    /** On the keeper's thread: renews the lease once; a lease found gone is granted again by {@link #register}. */
    private void keepAliveOnce() {
        long l = lease;
        if (l == 0) {
            return;
        }
        try {
            if (etcd.keepAlive(l) <= 0) {
                lost = true;
                onLost.run();
            }
        } catch (EtcdException e) {
            // The loop's intent read fails too, and says so.
        }
    }

    /** Grants a lease when there is none (or it ran out); a failure is said by the loop's intent read, which fails too. */
    public void register() {
        try {
            if (lost) {
                lost = false;
                lease = 0;
                log.accept("the node's session lease ran out; registering again");
            }
            if (lease == 0) {
                lease = etcd.grantLease(Duration.ofSeconds(TTL_SECONDS));
                lastReport = null;
            }
        } catch (EtcdException e) {
            // said by the intent read
        }
    }

    /** Puts {@code next} when it says something new (state, intent or note) or the lease is new; else nothing. */
    public void report(NodeReport next) {
        if (lease == 0) {
            return;
        }
        if (lastReport != null && lastReport.state().equals(next.state())
                && Objects.equals(lastReport.intent(), next.intent()) && lastReport.note().equals(next.note())) {
            return;
        }
        try {
            etcd.put(key, next.toJson(), lease);
            lastReport = next;
        } catch (EtcdException e) {
            // said by the read; the next round tries again
        }
    }

    /** Leaves the fleet at once: the keeper stops and the lease is revoked (its key goes with it). */
    @Override
    public void close() {
        keeper.shutdownNow();
        long l = lease;
        if (l != 0) {
            try {
                etcd.revoke(l);
            } catch (EtcdException e) {
                // it runs out within its ttl anyway
            }
        }
    }
}
