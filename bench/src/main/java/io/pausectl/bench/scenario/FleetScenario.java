package io.pausectl.bench.scenario;

import io.pausectl.cli.CliContext;
import io.pausectl.cli.PausectlCommand;
import io.pausectl.cli.Signals;
import io.pausectl.cli.TargetFactory;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.EtcdException;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.KeyValue;
import io.pausectl.fleet.NodeReport;
import io.pausectl.fleet.WatchEvent;
import io.pausectl.testkit.etcd.EtcdCluster;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code pause-bench fleet}: how long {@code pausectl --etcd --fleet run} takes from its start until every
 * node of the fleet reports {@code paused}, for real pause-proxy processes ({@code --fleet}) plus simulated
 * nodes, against one etcd (started here from the installed {@code etcd} unless one is named).
 *
 * <p>A simulated node does what a member does on the wire: a session lease kept alive, its report bound
 * to it, a watch on the intent, and on each change a linearizable read of the intent before it reports
 * {@code paused} (or {@code running}) for it; it holds no traffic. The controller is pausectl's own
 * {@code run} code, called in this JVM, so a JVM start-up is not in the figure. An observer watches the
 * fleet's keys and timestamps when the intent appeared and when the last node reported paused for it.
 */
public final class FleetScenario {
    /** Time from {@code run} to all acked, and its parts, per round, in milliseconds. */
    public record Round(double runToIntentMs, double intentToAllAckedMs, double runToAllAckedMs, double windowMs) {
    }

    /** The JSON of {@code pause-bench fleet --json}. */
    public record Report(int proxies, int simulated, List<Round> rounds, double runToAllAckedP50Ms,
                         double runToAllAckedMaxMs, double intentToAllAckedP50Ms, String etcd) {
    }

    private static final Signals NO_SIGNALS = handler -> () -> { };
    private static final int SIMULATED_SESSION_TTL_S = 10;

    private FleetScenario() {
    }

    /**
     * @param proxies   real pause-proxy processes
     * @param simulated simulated nodes in this JVM
     * @param rounds    windows to time
     * @param etcdUrls  etcd client URLs, or empty to start one member here
     */
    public static Report run(int proxies, int simulated, int rounds, List<String> etcdUrls, List<String> jvmOptions,
                             Narrator narrator) throws Exception {
        EtcdCluster cluster = null;
        List<AutoCloseable> open = new ArrayList<>();
        try {
            List<String> endpoints = etcdUrls;
            String etcdWhat;
            if (endpoints.isEmpty()) {
                if (EtcdCluster.unavailableReason() != null) {
                    throw new IllegalStateException(EtcdCluster.unavailableReason() + "; or name one with --etcd URL");
                }
                cluster = EtcdCluster.start(1);
                endpoints = cluster.clientUrls();
                etcdWhat = "1 member started here (" + cluster.endpoints() + ")";
            } else {
                etcdWhat = String.join(",", endpoints);
            }
            narrator.always("etcd: %s", etcdWhat);
            String fleet = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
            FleetKeys keys = FleetKeys.of(fleet);
            EtcdClient etcd = new EtcdClient(endpoints, Duration.ofSeconds(5));
            Observer observer = new Observer(etcd, keys, proxies + simulated);
            open.add(observer);

            narrator.always("starting %d pause-proxy processes and %d simulated nodes in fleet %s", proxies, simulated,
                    fleet);
            String joined = String.join(",", endpoints);
            List<CompletableFuture<BenchProxy>> starting = new ArrayList<>();
            for (int i = 0; i < proxies; i++) {
                String node = "proxy-" + i;
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        // No traffic goes through them: the upstream is never dialled.
                        return BenchProxy.start(URI.create("http://127.0.0.1:9"), List.of("--fleet", fleet,
                                "--fleet-etcd", joined, "--fleet-node", node), jvmOptions);
                    } catch (Exception e) {
                        throw new IllegalStateException("pause-proxy " + node + " did not start: " + e.getMessage(), e);
                    }
                }));
            }
            for (CompletableFuture<BenchProxy> f : starting) {
                open.add(f.join());
            }
            Simulated sims = new Simulated(etcd, keys, simulated);
            open.add(sims);
            observer.awaitAll(r -> NodeReport.RUNNING.equals(r.state()), Duration.ofSeconds(60), "registered");

            List<Round> results = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                observer.reset();
                long start = System.nanoTime();
                StringWriter log = new StringWriter();
                PrintWriter out = new PrintWriter(log, true);
                int code = PausectlCommand.commandLine(new CliContext(Map.of(), false, TargetFactory.real(), NO_SIGNALS,
                        "pause-bench"), out, out).execute("--etcd", joined, "--fleet", fleet, "run", "--ttl", "10s",
                        "--wait-idle", "10s", "--min-members", Integer.toString(proxies + simulated), "--reason",
                        "pause-bench fleet", "--", "true");
                long end = System.nanoTime();
                if (code != 0) {
                    throw new IllegalStateException("pausectl run exited " + code + ":\n" + log);
                }
                Observer.Times t = observer.times();
                if (t.intentAt() == 0 || t.allAckedAt() == 0) {
                    throw new IllegalStateException("the observer did not see the window (intent "
                            + (t.intentAt() != 0) + ", all acked " + (t.allAckedAt() != 0) + ")");
                }
                Round r = new Round(ms(t.intentAt() - start), ms(t.allAckedAt() - t.intentAt()),
                        ms(t.allAckedAt() - start), ms(end - start));
                results.add(r);
                narrator.always("round %d: run -> intent %.1f ms, intent -> all %d acked %.1f ms, run -> all acked"
                        + " %.1f ms (whole run, resume included: %.1f ms)", round, r.runToIntentMs(),
                        proxies + simulated, r.intentToAllAckedMs(), r.runToAllAckedMs(), r.windowMs());
                observer.awaitAll(n -> NodeReport.RUNNING.equals(n.state()) || n.intent() == null,
                        Duration.ofSeconds(30), "running again");
            }
            return new Report(proxies, simulated, results, median(results.stream().mapToDouble(Round::runToAllAckedMs)
                    .toArray()), results.stream().mapToDouble(Round::runToAllAckedMs).max().orElse(0),
                    median(results.stream().mapToDouble(Round::intentToAllAckedMs).toArray()), etcdWhat);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    // closing the rest anyway
                }
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        if (sorted.length == 0) {
            return 0;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** Watches the fleet's keys and timestamps the intent and the last ack. */
    private static final class Observer implements AutoCloseable {
        record Times(long intentAt, long allAckedAt) {
        }

        private final FleetKeys keys;
        private final int expected;
        private final Map<String, NodeReport> nodes = new HashMap<>();
        private final EtcdClient.Watch watch;
        private String intentId;
        private long intentAt;
        private long allAckedAt;

        Observer(EtcdClient etcd, FleetKeys keys, int expected) throws EtcdException {
            this.keys = keys;
            this.expected = expected;
            long revision = etcd.getPrefix(keys.prefix()).revision();
            this.watch = etcd.watch(keys.prefix(), true, revision + 1, this::onEvent, e -> { });
        }

        private synchronized void onEvent(WatchEvent event) {
            long now = System.nanoTime();
            KeyValue kv = event.kv();
            if (kv.key().equals(keys.intent())) {
                if (!event.deleted() && intentId == null) {
                    intentId = Intent.fromJson(kv.value()).id();
                    intentAt = now;
                }
                return;
            }
            String node = keys.nodeOf(kv.key());
            if (node == null) {
                return;
            }
            if (event.deleted()) {
                nodes.remove(node);
            } else {
                nodes.put(node, NodeReport.fromJson(kv.value()));
            }
            if (intentId != null && allAckedAt == 0 && nodes.size() >= expected
                    && nodes.values().stream().allMatch(r -> r.pausedFor(intentId))) {
                allAckedAt = now;
            }
            notifyAll();
        }

        synchronized void reset() {
            intentId = null;
            intentAt = 0;
            allAckedAt = 0;
        }

        synchronized Times times() {
            return new Times(intentAt, allAckedAt);
        }

        synchronized void awaitAll(java.util.function.Predicate<NodeReport> test, Duration within, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (nodes.size() < expected || !nodes.values().stream().allMatch(test)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("not every node " + what + " within " + within.toSeconds() + " s: "
                            + nodes.size() + " of " + expected + " seen");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    /** Simulated members: a session lease each, a watch on the intent, a report after a linearizable read. */
    private static final class Simulated implements AutoCloseable {
        private final EtcdClient etcd;
        private final FleetKeys keys;
        private final List<EtcdClient.Watch> watches = new ArrayList<>();
        private final List<Long> sessions = new ArrayList<>();
        private final ExecutorService reactions = Executors.newFixedThreadPool(16, daemon("sim-node"));
        private final ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor(daemon("sim-keep"));

        Simulated(EtcdClient etcd, FleetKeys keys, int count) throws EtcdException {
            this.etcd = etcd;
            this.keys = keys;
            for (int i = 0; i < count; i++) {
                String node = "sim-" + i;
                long session = etcd.grantLease(Duration.ofSeconds(SIMULATED_SESSION_TTL_S));
                sessions.add(session);
                etcd.put(keys.node(node), new NodeReport(node, NodeReport.RUNNING, null, 0, "", Instant.now()).toJson(),
                        session);
                watch(node, session);
            }
            keeper.scheduleAtFixedRate(() -> sessions.forEach(s -> {
                try {
                    etcd.keepAlive(s);
                } catch (EtcdException e) {
                    // the next round tries again
                }
            }), 2, 2, TimeUnit.SECONDS);
        }

        /** Watches the intent for one node; a watch that ends is opened again (and the intent read) 100 ms later. */
        private void watch(String node, long session) {
            EtcdClient.Watch w = etcd.watch(keys.intent(), false, 0, e -> reactions.execute(() -> react(node, session)),
                    e -> keeper.schedule(() -> {
                        watch(node, session);
                        react(node, session);
                    }, 100, TimeUnit.MILLISECONDS));
            synchronized (watches) {
                watches.add(w);
            }
        }

        private void react(String node, long session) {
            try {
                Optional<KeyValue> intent = etcd.get(keys.intent());
                NodeReport report = intent.isPresent()
                        ? new NodeReport(node, NodeReport.PAUSED, Intent.fromJson(intent.get().value()).id(), 0, "",
                        Instant.now())
                        : new NodeReport(node, NodeReport.RUNNING, null, 0, "", Instant.now());
                etcd.put(keys.node(node), report.toJson(), session);
            } catch (EtcdException | RuntimeException e) {
                // a lost reaction shows as a node that never acks: the round fails loudly
            }
        }

        private static java.util.concurrent.ThreadFactory daemon(String name) {
            return r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            };
        }

        @Override
        public void close() {
            keeper.shutdownNow();
            synchronized (watches) {
                watches.forEach(EtcdClient.Watch::close);
            }
            reactions.shutdownNow();
            for (long s : sessions) {
                try {
                    etcd.revoke(s);
                } catch (EtcdException e) {
                    // runs out by itself
                }
            }
        }
    }
}
