package io.pausectl.cli;

import io.pausectl.api.Scope;
import io.pausectl.common.Durations;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.EtcdException;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.KeyValue;
import io.pausectl.fleet.NodeReport;
import io.pausectl.fleet.WatchEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A maintenance window over a fleet of pause proxies that follow an intent in etcd ({@code pausectl
 * --etcd URL --fleet NAME run}). The controller never talks to a node: it writes the intent, reads
 * the nodes' reports, and removes the intent.
 *
 * <ol>
 *   <li>{@link #open}: the intent is created only if absent, bound to the controller's own etcd lease
 *       of {@code ttl} (kept alive every third of it), so a controller that dies takes its intent
 *       with it within ttl and every node resumes; a second controller gets exit 4 naming the
 *       holder.</li>
 *   <li>{@link #awaitPaused}: every registered node, and every node that registers meanwhile, must
 *       report {@code paused} for this intent within {@code --wait-idle}, and at least
 *       {@code --min-members} of them; otherwise the intent is removed and the exit is 3, naming the
 *       nodes.</li>
 *   <li>While the command runs, nodes that join or leave the fleet are said; a lost lease (etcd
 *       unreachable or without a quorum longer than the ttl) is said loudly: the nodes then resume by
 *       themselves.</li>
 *   <li>{@link #close}: the intent is removed (only if it is still this one) and the controller waits
 *       until every node reports {@code running}; those that do not are named (exit 5).</li>
 * </ol>
 */
final class EtcdFleetWindow implements AutoCloseable {
    private static final long POLL_MS = 250;

    private final EtcdClient etcd;
    private final FleetKeys keys;
    private final Messages messages;
    private final Intent intent;
    private final Duration ttl;
    private final Object lock = new Object();
    /** Node name → its last report, from the watch (and from a re-read when the watch ends). */
    private final Map<String, NodeReport> nodes = new TreeMap<>();
    private final Set<String> atStart = new LinkedHashSet<>();
    private final Set<String> joined = new LinkedHashSet<>();
    private final Set<String> left = new LinkedHashSet<>();
    private long lease;
    private long createRevision;
    private EtcdClient.Watch watch;
    private volatile boolean watching;
    private Thread keeper;
    private volatile boolean closing;
    private volatile String lost;
    private boolean announce;

    private EtcdFleetWindow(EtcdClient etcd, FleetKeys keys, Messages messages, Intent intent) {
        this.etcd = etcd;
        this.keys = keys;
        this.messages = messages;
        this.intent = intent;
        this.ttl = intent.ttlDuration();
    }

    /**
     * Writes the intent.
     *
     * @throws CliException 4 when another intent holds the fleet (naming its holder), 3 when etcd
     *                      cannot be reached (nothing was paused)
     */
    static EtcdFleetWindow open(EtcdClient etcd, FleetKeys keys, Messages messages, String holder, String reason,
                                Duration ttl, Duration waitIdle, Scope scope) {
        Intent intent = new Intent(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()), holder, reason,
                Durations.format(ttl), Durations.format(waitIdle), scope, Instant.now());
        EtcdFleetWindow window = new EtcdFleetWindow(etcd, keys, messages, intent);
        try {
            EtcdClient.Range range = etcd.getPrefix(keys.nodes());
            synchronized (window.lock) {
                for (KeyValue kv : range.kvs()) {
                    window.record(kv);
                }
                window.atStart.addAll(window.nodes.keySet());
            }
            window.watchNodes(range.revision() + 1);
            window.lease = etcd.grantLease(ttl);
            Optional<KeyValue> existing = etcd.createIfAbsent(keys.intent(), intent.toJson(), window.lease);
            if (existing.isPresent()) {
                window.closeQuietly();
                throw new CliException(ExitCodes.CONFLICT, "fleet " + keys.fleet() + " is already paused: "
                        + describe(existing.get()) + " (nothing changed, the command was NOT run)");
            }
            window.createRevision = etcd.get(keys.intent()).map(KeyValue::createRevision).orElse(0L);
        } catch (EtcdException e) {
            window.closeQuietly();
            throw new CliException(ExitCodes.NOT_PAUSED, "cannot write the pause intent of fleet " + keys.fleet()
                    + " to etcd: " + e.getMessage() + " (nothing was paused, the command was NOT run)");
        }
        window.keepAlive();
        return window;
    }

    private static String describe(KeyValue existing) {
        try {
            Intent other = Intent.fromJson(existing.value());
            return "intent " + other.id() + " held by '" + other.holder() + "' (reason '" + other.reason()
                    + "', since " + other.createdAt() + ")";
        } catch (IllegalArgumentException e) {
            return "the key " + existing.key() + " exists and holds no valid intent (" + e.getMessage() + ")";
        }
    }

    Intent intent() {
        return intent;
    }

    private void watchNodes(long fromRevision) {
        watching = true;
        watch = etcd.watch(keys.nodes(), true, fromRevision, this::onEvent, e -> watching = false);
    }

    private void onEvent(WatchEvent event) {
        synchronized (lock) {
            String node = keys.nodeOf(event.kv().key());
            if (node == null) {
                return;
            }
            if (event.deleted()) {
                if (nodes.remove(node) != null) {
                    left.add(node);
                    if (announce) {
                        messages.say("node " + node + " left the fleet (its session ended: stopped, crashed or cut off"
                                + " from etcd; it resumes by itself)");
                    }
                }
            } else {
                boolean isNew = !nodes.containsKey(node);
                record(event.kv());
                if (isNew && !atStart.contains(node)) {
                    joined.add(node);
                    if (announce) {
                        messages.say("node " + node + " joined the fleet during the window ("
                                + nodes.get(node).state() + ")");
                    }
                }
            }
            lock.notifyAll();
        }
    }

    private void record(KeyValue kv) {
        String node = keys.nodeOf(kv.key());
        if (node == null) {
            return;
        }
        try {
            nodes.put(node, NodeReport.fromJson(kv.value()));
        } catch (IllegalArgumentException e) {
            nodes.put(node, new NodeReport(node, "unknown", null, 0, e.getMessage(), Instant.now()));
        }
    }

    /** Re-reads the reports when the watch ended (etcd restarted, a member stopped), and watches again. */
    private void refreshIfBlind() {
        if (watching || closing) {
            return;
        }
        try {
            EtcdClient.Range range = etcd.getPrefix(keys.nodes());
            synchronized (lock) {
                Set<String> now = new LinkedHashSet<>();
                for (KeyValue kv : range.kvs()) {
                    String node = keys.nodeOf(kv.key());
                    if (node != null && !nodes.containsKey(node) && !atStart.contains(node)) {
                        joined.add(node);
                    }
                    record(kv);
                    now.add(node);
                }
                for (String gone : new ArrayList<>(nodes.keySet())) {
                    if (!now.contains(gone)) {
                        nodes.remove(gone);
                        left.add(gone);
                    }
                }
                lock.notifyAll();
            }
            watchNodes(range.revision() + 1);
        } catch (EtcdException e) {
            // still blind; the next poll tries again
        }
    }

    private void keepAlive() {
        keeper = new Thread(() -> {
            long periodMs = Math.max(100, ttl.toMillis() / 3);
            long lastOk = System.nanoTime();
            while (!closing && lost == null) {
                try {
                    TimeUnit.MILLISECONDS.sleep(periodMs); // the renewal period itself, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
                if (closing) {
                    return;
                }
                try {
                    if (etcd.keepAlive(lease) <= 0) {
                        windowLost("the controller's etcd lease expired, so the intent is gone");
                        return;
                    }
                    lastOk = System.nanoTime();
                } catch (EtcdException e) {
                    if (System.nanoTime() - lastOk >= ttl.toNanos()) {
                        windowLost("etcd did not renew the controller's lease for --ttl " + Durations.format(ttl)
                                + " (" + e.getMessage() + ")");
                        return;
                    }
                }
            }
        }, "pausectl-fleet-lease");
        keeper.setDaemon(true);
        keeper.start();
    }

    private void windowLost(String why) {
        lost = why;
        messages.endLive();
        messages.say("!!! the fleet window was LOST: " + why + "; every node resumes by itself within --ttl "
                + Durations.format(ttl) + " !!!");
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Why the window was lost, or null while it holds. */
    String lost() {
        return lost;
    }

    /**
     * Waits until every node (at least {@code minMembers}) reports paused for this intent.
     *
     * @param cancelled checked while waiting: a signal before the command starts
     * @throws CliException 3 naming the nodes that did not pause (the intent removed)
     */
    void awaitPaused(Duration waitIdle, int minMembers, java.util.function.BooleanSupplier cancelled) {
        // The nodes' own waitIdle plus the time for the intent to reach them and their reports to come back.
        long deadline = System.nanoTime() + waitIdle.toNanos() + TimeUnit.SECONDS.toNanos(2);
        String problem;
        while (true) {
            refreshIfBlind();
            synchronized (lock) {
                List<String> notPaused = nodes.values().stream().filter(r -> !r.pausedFor(intent.id()))
                        .map(EtcdFleetWindow::describe).collect(Collectors.toList());
                if (lost != null) {
                    problem = "the window was lost before every node paused: " + lost;
                    break;
                }
                if (notPaused.isEmpty() && nodes.size() >= minMembers) {
                    announce = true;
                    return;
                }
                if (cancelled.getAsBoolean()) {
                    problem = "interrupted before the command started";
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    problem = notPaused.isEmpty()
                            ? nodes.size() + " node(s) paused (" + String.join(", ", nodes.keySet()) + "), fewer than"
                            + " --min-members " + minMembers
                            : "not paused within --wait-idle " + Durations.format(waitIdle) + ": "
                            + String.join(", ", notPaused);
                    break;
                }
                try {
                    lock.wait(Math.min(POLL_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problem = "interrupted";
                    break;
                }
            }
        }
        List<String> stillPaused = end(Duration.ofSeconds(10));
        throw new CliException(ExitCodes.NOT_PAUSED, "could not pause fleet " + keys.fleet() + ": " + problem
                + "; the intent was removed" + (stillPaused.isEmpty() ? "" : ", but STILL PAUSED: "
                + String.join(", ", stillPaused)) + " (the command was NOT run)");
    }

    private static String describe(NodeReport r) {
        return r.node() + " (" + r.state() + (r.note().isEmpty() ? "" : ": " + r.note()) + ")";
    }

    /** The nodes that paused for this intent, named, for the "paused" line. */
    String pausedNodes() {
        synchronized (lock) {
            return nodes.size() + " node(s): " + String.join(", ", nodes.keySet());
        }
    }

    /** Joined and left during the window, for the summary; empty when neither. */
    String changes() {
        synchronized (lock) {
            String out = "";
            if (!joined.isEmpty()) {
                out += "joined during the window: " + String.join(", ", joined);
            }
            if (!left.isEmpty()) {
                out += (out.isEmpty() ? "" : "; ") + "left during the window: " + String.join(", ", left);
            }
            return out;
        }
    }

    /** At --max-pause: removes the intent now, while the command still runs; {@link #end} waits later. */
    void release() {
        try {
            etcd.deleteIfCreatedAt(keys.intent(), createRevision);
        } catch (EtcdException e) {
            messages.say("could not remove the intent at --max-pause (" + e.getMessage() + "): the nodes resume when"
                    + " the controller's lease expires");
        }
    }

    /**
     * Removes the intent (if it is still this one) and waits up to {@code settle} until every node
     * reports running.
     *
     * @return the nodes still not running (empty when all resumed)
     */
    List<String> end(Duration settle) {
        closing = true;
        try {
            etcd.deleteIfCreatedAt(keys.intent(), createRevision);
            etcd.revoke(lease);
        } catch (EtcdException e) {
            if (lost == null) {
                messages.say("could not remove the intent from etcd (" + e.getMessage() + "): every node resumes by"
                        + " itself within --ttl " + Durations.format(ttl) + " when the controller's lease expires");
            }
        }
        if (lost != null) {
            // etcd cannot say: the nodes resume by themselves (their local leases are not renewed).
            closeQuietly();
            return List.of();
        }
        long deadline = System.nanoTime() + settle.toNanos();
        Predicate<NodeReport> resumed = r -> r.runningAfter(intent.id());
        while (true) {
            synchronized (lock) {
                List<String> straggling = nodes.values().stream().filter(resumed.negate())
                        .map(EtcdFleetWindow::describe).collect(Collectors.toList());
                long left = deadline - System.nanoTime();
                if (straggling.isEmpty() || left <= 0) {
                    closeQuietly();
                    return straggling;
                }
                try {
                    lock.wait(Math.min(POLL_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    closeQuietly();
                    return straggling;
                }
            }
            if (!watching) {
                closing = false;
                refreshIfBlind();
                closing = true;
            }
        }
    }

    private void closeQuietly() {
        closing = true;
        EtcdClient.Watch w = watch;
        if (w != null) {
            w.close();
        }
        if (keeper != null) {
            keeper.interrupt();
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    /** The fleet's intent and nodes as lines, for {@code status}. */
    static List<String> statusLines(EtcdClient etcd, FleetKeys keys) throws EtcdException {
        List<String> lines = new ArrayList<>();
        Optional<KeyValue> intent = etcd.get(keys.intent());
        lines.add("fleet " + keys.fleet() + ": " + intent.map(kv -> "PAUSE INTENT " + describe(kv))
                .orElse("no pause intent (running)"));
        for (KeyValue kv : etcd.getPrefix(keys.nodes()).kvs()) {
            try {
                NodeReport r = NodeReport.fromJson(kv.value());
                lines.add("  " + r.node() + "  " + r.state() + (r.intent() == null ? "" : "  intent " + r.intent())
                        + "  held " + r.queueDepth() + (r.note().isEmpty() ? "" : "  (" + r.note() + ")"));
            } catch (IllegalArgumentException e) {
                lines.add("  " + kv.key() + "  unreadable: " + e.getMessage());
            }
        }
        return lines;
    }

    /** For {@code resume --force}: deletes whatever intent holds the fleet. */
    static boolean removeAnyIntent(EtcdClient etcd, FleetKeys keys) throws EtcdException {
        Optional<KeyValue> intent = etcd.get(keys.intent());
        return intent.isPresent() && etcd.deleteIfCreatedAt(keys.intent(), intent.get().createRevision());
    }
}
