package io.pausectl.cli.haproxy;

import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.FleetFixture;
import io.pausectl.cli.PausectlProcess;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.NodeReport;
import io.pausectl.testkit.etcd.TcpRelay;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * {@code pausectl agent} beside a real HAProxy (the distribution's, with deploy/haproxy/pause-gate.lua),
 * following a real etcd, in one fleet with a real pause-proxy, driven by a real {@code pausectl --etcd
 * --fleet run}: the two pause as one and lose nothing; an agent cut off from etcd resumes its HAProxy by
 * itself within ttl + ttl/3 while the proxy stays paused, and pauses it again after the heal; an agent
 * started during a window pauses its HAProxy and joins; a SIGKILLed agent leaves no HAProxy paused past
 * the gate's own lease; an agent restarted mid-window takes its predecessor's pause over and the gate never
 * opens; an HAProxy started mid-window holds from its start (the gate's start hold) until its agent pauses
 * it, and one with no agent serves once the start hold is over. Most bounds come from a 3 s ttl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetAgentIntegrationTest {
    private static final String FRONTEND = "fe_main";
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration SLACK = FleetFixture.SLACK;

    @TempDir
    Path dir;

    private HaproxyLauncher launcher;
    private FleetFixture fleet;
    /** The HAProxy of the scenario: its runtime API socket, its master CLI (master-worker mode only), client port. */
    private Path socket;
    private Path master;
    private int httpPort;

    @BeforeEach
    void requireComponents() {
        // The distribution's HAProxy: the agent drives the gate the same way on every version.
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("HAPROXY_LAUNCHERS");
        launcher = HaproxyLaunchers.all(env).get(0);
        String etcdMissing = io.pausectl.testkit.etcd.EtcdCluster.unavailableReason();
        if (!launcher.available() || etcdMissing != null) {
            String why = !launcher.available() ? launcher.unavailableReason() : etcdMissing;
            if (HaproxyLaunchers.required()) {
                fail("CI is set and a component is missing: " + why);
            }
            Assumptions.abort("skipped locally: " + why);
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    private FleetFixture fleet(int etcdMembers) throws IOException {
        fleet = FleetFixture.start(dir, etcdMembers);
        return fleet;
    }

    /**
     * Starts the scenario's HAProxy in front of the origin, with the gate's start hold ({@code Duration.ZERO}:
     * none), and returns once its runtime API answers (it then listens for clients too).
     */
    private void haproxy(Duration startHold) throws Exception {
        awaitRuntime(fleet.keep(launcher.start(dir, config(startHold))));
    }

    /** As {@link #haproxy}, in master-worker mode with its master CLI on {@link #master}, as systemd runs it. */
    private void haproxyMasterWorker(Duration startHold) throws Exception {
        master = dir.resolve("master.sock");
        awaitRuntime(fleet.keep(launcher.startMasterWorker(dir, config(startHold), master)));
    }

    private String config(Duration startHold) throws IOException {
        socket = dir.resolve("admin.sock");
        httpPort = freePort();
        return String.join("\n",
                "global",
                "    stats socket " + socket + " mode 600 level admin",
                "    lua-load " + HaproxyIntegrationTest.deployDir().resolve("pause-gate.lua"),
                "    set-var proc.pausectl_hold_limit_ms int(30000)",
                "    set-var proc.pausectl_start_hold_ms int(" + startHold.toMillis() + ")",
                "defaults",
                "    mode http",
                "    timeout connect 2s",
                "    timeout client 30s",
                "    timeout server 30s",
                "    timeout http-request 5s",
                "frontend " + FRONTEND,
                "    bind 127.0.0.1:" + httpPort,
                "    http-request lua.pause_gate",
                "    default_backend be_app",
                "backend be_app",
                "    server s1 127.0.0.1:" + fleet.upstream().port(),
                "");
    }

    private void awaitRuntime(RunningHaproxy haproxy) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            assertThat(haproxy.alive()).as("haproxy exited; its log: %s", haproxy.log()).isTrue();
            try (HaproxyRuntime rt = new HaproxyRuntime(new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + socket),
                    CALL))) {
                return rt.showInfo().containsKey("Version");
            } catch (RuntimeApiException e) {
                return false;
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private PausectlProcess agent(String etcdUrl, String node) throws IOException {
        return agent(etcdUrl, node, socket, null);
    }

    /** An agent driving the HAProxy through {@code runtimeApi}, and its old workers through {@code masterCli} (null: not). */
    private PausectlProcess agent(String etcdUrl, String node, Path runtimeApi, Path masterCli) throws IOException {
        List<String> args = new ArrayList<>(List.of("agent", "--etcd", etcdUrl, "--fleet", FleetFixture.FLEET, "--node",
                node, "--haproxy", "unix:" + runtimeApi, "--frontend", FRONTEND));
        if (masterCli != null) {
            args.addAll(List.of("--haproxy-master", "unix:" + masterCli));
        }
        return fleet.keep(PausectlProcess.start(dir.resolve("logs"), args));
    }

    /** The HAProxy's gate as pausectl's driver reads it. */
    private Status gate() throws Exception {
        try (PauseTarget target = HaproxyTargets.open(List.of("unix:" + socket), FRONTEND, "gate", CALL).get(0)) {
            return target.status();
        }
    }

    private boolean gateHolds() throws Exception {
        PauseState state = gate().state();
        return state == PauseState.PAUSED || state == PauseState.PAUSING;
    }

    /** The gate's own line ({@code pausectl-gate ... start_hold=holding|over}). */
    private String gateInfo() throws Exception {
        try (HaproxyRuntime rt = new HaproxyRuntime(new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + socket),
                CALL))) {
            return rt.gateInfo();
        }
    }

    private CompletableFuture<HttpResponse<String>> send(String id) {
        return fleet.send(haproxyUrl(), id);
    }

    private String haproxyUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    private NodeReport report(String node) throws IOException {
        EtcdClient client = new EtcdClient(fleet.etcd().clientUrls(), Duration.ofSeconds(2));
        return client.get(FleetKeys.of(FleetFixture.FLEET).node(node)).map(kv -> NodeReport.fromJson(kv.value()))
                .orElse(null);
    }

    private Intent intent() throws IOException {
        EtcdClient client = new EtcdClient(fleet.etcd().clientUrls(), Duration.ofSeconds(2));
        return client.get(FleetKeys.of(FleetFixture.FLEET).intent()).map(kv -> Intent.fromJson(kv.value()))
                .orElseThrow();
    }

    /**
     * Samples whether the gate is open every 20 ms on a thread of its own, until {@link #stop}: the gate polls
     * every 50 ms, so no opening it acts on goes unseen. A sample that fails to read says nothing.
     */
    private static final class GateWatcher {
        private final AtomicBoolean watching = new AtomicBoolean(true);
        private final AtomicInteger openings = new AtomicInteger();
        private final Thread thread;

        GateWatcher(Callable<Boolean> open) {
            thread = new Thread(() -> {
                while (watching.get()) {
                    try {
                        if (open.call()) {
                            openings.incrementAndGet();
                        }
                    } catch (Exception e) {
                        // a read that fails says nothing about the gate
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }, "gate-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops sampling; the samples that saw the gate open. */
        int stop() throws InterruptedException {
            watching.set(false);
            thread.join(10_000);
            return openings.get();
        }
    }

    /**
     * Whether the worker that answers the stats socket now lets requests through: its start hold is over and no
     * pause holds (flag unset, or its lease ran out by HAProxy's clock). One command line, so one worker answers.
     */
    private static boolean workerOpen(RuntimeApiClient api) throws Exception {
        RuntimeApiReply reply = api.execute("pausectl-gate; experimental-mode on; set var " + GateTarget.NOW_MS
                + " expr date(0,ms); get var " + GateTarget.PAUSED + "; get var " + GateTarget.EXPIRES + "; get var "
                + GateTarget.NOW_MS, HaproxyRuntime.VARIABLE_NOT_FOUND::equals);
        Map<String, String> vars = new HashMap<>();
        boolean startHold = false;
        for (String line : reply.lines()) {
            java.util.regex.Matcher m = HaproxyRuntime.VAR_LINE.matcher(line);
            if (m.matches()) {
                vars.put(m.group(1), m.group(3));
            } else if (line.startsWith("pausectl-gate ")) {
                startHold = line.contains("start_hold=holding");
            }
        }
        boolean paused = "1".equals(vars.get(GateTarget.PAUSED)) && vars.containsKey(GateTarget.EXPIRES)
                && Long.parseLong(vars.get(GateTarget.NOW_MS)) / 1000 < Long.parseLong(vars.get(GateTarget.EXPIRES));
        return !startHold && !paused;
    }

    @Test
    void aProxyAndAnHaproxyAgentPauseAsOneAndNothingIsLostOrDuplicated() throws Exception {
        fleet(1);
        haproxy(Duration.ZERO);
        PausectlProcess agent = agent(fleet.etcd().endpoints(), "haproxy-1");
        ProxyProcess proxy = fleet.member("proxy-1");
        fleet.awaitRunning("haproxy-1", "proxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        assertThat(run.err()).contains("fleet shop paused", "2 node(s): haproxy-1, proxy-1");
        assertThat(gate().state()).isEqualTo(PauseState.PAUSED);
        assertThat(gate().lease().holder()).contains("fleet shop intent");
        var throughHaproxy = send("via-haproxy");
        var throughProxy = fleet.send(proxy.clientUrl(), "via-proxy");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1
                && fleet.status(proxy).queueDepth() == 1);
        assertThat(fleet.upstream().count("via-haproxy") + fleet.upstream().count("via-proxy"))
                .as("forwarded during the window").isZero();
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(throughHaproxy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(throughProxy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fleet.upstream().count("via-haproxy")).isEqualTo(1);
        assertThat(fleet.upstream().count("via-proxy")).isEqualTo(1);
        assertThat(gateHolds()).isFalse();
        assertThat(agent.isAlive()).as(agent.err()).isTrue();
    }

    @Test
    void anAgentCutOffFromEtcdResumesItsHaproxyByItselfAndPausesItAgainAfterTheHeal() throws Exception {
        fleet(1);
        haproxy(Duration.ZERO);
        TcpRelay relay = fleet.keep(TcpRelay.start(fleet.etcd().clientPort(0)));
        PausectlProcess agent = agent(relay.url(), "haproxy-1");
        ProxyProcess proxy = fleet.member("proxy-1");
        fleet.awaitRunning("haproxy-1", "proxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        assertThat(gateHolds()).as("agent: %s%npausectl: %s", agent.err(), run.err()).isTrue();
        relay.blackhole();
        long cutAt = System.nanoTime();
        await().atMost(TTL.plus(TTL.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> !gateHolds());
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - cutAt);
        assertThat(resumedAfter).as("the agent renewed only on evidence, then its deadline passed")
                .isGreaterThan(Duration.ofMillis(500));
        assertThat(fleet.status(proxy).state()).as("the node that still reaches etcd").isEqualTo(PauseState.PAUSED);
        var during = send("cut-off");
        assertThat(during.get(10, TimeUnit.SECONDS).statusCode()).as("served once resumed").isEqualTo(200);
        relay.heal();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(this::gateHolds);
        assertThat(agent.err()).contains("cannot read the intent", "paused unix:");
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> !gateHolds());
    }

    @Test
    void anAgentStartedDuringTheWindowPausesItsHaproxyAndAKilledOneLeavesItRunning() throws Exception {
        fleet(1);
        haproxy(Duration.ZERO);
        fleet.member("proxy-1");
        fleet.awaitRunning("proxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        assertThat(gateHolds()).isFalse();
        PausectlProcess agent = agent(fleet.etcd().endpoints(), "haproxy-late");
        // Bounded by the agent JVM's start, which a loaded host stretches: generous, and over on the event.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(this::gateHolds);
        await().atMost(Duration.ofSeconds(10)).until(() -> run.err().contains("node haproxy-late joined the fleet"));
        var held = send("late");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1);
        assertThat(fleet.upstream().count("late")).isZero();
        agent.kill();
        // Nobody renews: the gate's own lease (ttl + 1 s, counted in HAProxy's whole seconds) ends the hold.
        await().atMost(TTL.plus(Duration.ofSeconds(2)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> !gateHolds());
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fleet.upstream().count("late")).isEqualTo(1);
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
    }

    @Test
    void anHaproxyStartedDuringTheWindowHoldsFromItsStartUntilItsAgentPausesIt() throws Exception {
        fleet(1);
        fleet.member("proxy-1");
        fleet.awaitRunning("proxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        // An HAProxy and its agent start during the window (a restart, a new node): the HAProxy listens long
        // before the agent's JVM has read the intent. The start hold is a bound, not the time this takes.
        haproxy(Duration.ofSeconds(20));
        PausectlProcess agent = agent(fleet.etcd().endpoints(), "haproxy-late");
        List<CompletableFuture<HttpResponse<String>>> early = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            early.add(send("early-" + i));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> run.err().contains("node haproxy-late joined the fleet"));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Status gate = gate();
            return gate.state() == PauseState.PAUSED && gate.queueDepth() == 3;
        });
        assertThat(gateInfo()).as("the agent ended the start hold once it had paused").contains("start_hold=over");
        assertThat(fleet.upstream().order()).as("the late HAProxy's upstream during the window; agent: %s",
                agent.err()).noneMatch(id -> id.startsWith("early-"));
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        for (CompletableFuture<HttpResponse<String>> f : early) {
            assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(fleet.upstream().count("early-" + i)).as("early-%d reached the upstream once", i).isEqualTo(1);
        }
    }

    @Test
    void anHaproxyWithNoAgentServesOnceItsStartHoldIsOver() throws Exception {
        fleet(0);
        // Counted from HAProxy's start: long enough that a loaded host has started it, answered its
        // stats socket and held the request below before the hold is over (2 s was not, on a busy host).
        Duration startHold = Duration.ofSeconds(6);
        haproxy(startHold);
        long sentAt = System.nanoTime();
        var early = send("early");
        await().atMost(startHold).pollInterval(Duration.ofMillis(20)).until(() -> gate().queueDepth() == 1);
        assertThat(fleet.upstream().count("early")).as("held by the start hold").isZero();
        assertThat(early.get(startHold.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - sentAt)).isLessThan(startHold.plus(SLACK));
        assertThat(fleet.upstream().count("early")).isEqualTo(1);
        assertThat(gateInfo()).contains("start_hold=over");
        assertThat(send("after").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void anAgentRestartedMidWindowTakesItsPredecessorsPauseOverAndTheGateNeverOpens() throws Exception {
        fleet(1);
        haproxy(Duration.ZERO);
        PausectlProcess first = agent(fleet.etcd().endpoints(), "haproxy-1");
        fleet.awaitRunning("haproxy-1");
        // A ttl that outlasts a JVM's start on a loaded host: the gate's lease (ttl + 1 s) must bridge the restart.
        PausectlProcess run = fleet.run(Duration.ofSeconds(10), 0);
        fleet.awaitStarted();
        String intentId = intent().id();
        String lease = gate().lease().id();
        GateWatcher watcher = new GateWatcher(() -> !gateHolds());
        first.kill();
        PausectlProcess second = agent(fleet.etcd().endpoints(), "haproxy-1");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> second.err().contains("took over the pause"));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            NodeReport r = report("haproxy-1");
            return r != null && r.pausedFor(intentId);
        });
        var held = send("during-restart");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1);
        assertThat(watcher.stop()).as("times the gate was seen open while the intent stood").isZero();
        assertThat(gate().lease().id()).as("the same pause, renewed by the new agent").isEqualTo(lease);
        assertThat(fleet.upstream().count("during-restart")).isZero();
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !gateHolds());
        assertThat(second.err()).contains("resumed unix:");
    }

    /**
     * Sends a request with a new {@code X-Req-Id} every 100 ms (at most 80) until stopped, as clients do
     * through a reload; the ids sent are returned by {@link Probes#stop}.
     */
    private final class Probes {
        private final List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        private final List<String> ids = new ArrayList<>();
        private final AtomicBoolean sending = new AtomicBoolean(true);
        private final Thread thread;

        Probes(String prefix) {
            thread = new Thread(() -> {
                for (int i = 0; sending.get() && i < 80; i++) {
                    String id = prefix + i;
                    synchronized (ids) {
                        ids.add(id);
                        answers.add(send(id));
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }, "probes");
            thread.setDaemon(true);
            thread.start();
        }

        List<String> stop() throws InterruptedException {
            sending.set(false);
            thread.join(10_000);
            synchronized (ids) {
                return List.copyOf(ids);
            }
        }

        /** Each probe answered 200 and reached the upstream exactly once. */
        void allAnsweredOnce() throws Exception {
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(20, TimeUnit.SECONDS).statusCode()).as(ids.get(i)).isEqualTo(200);
                assertThat(fleet.upstream().count(ids.get(i))).as("%s reached the upstream", ids.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void aReloadBetweenTheAgentsCallsNeverOpensTheGateWhileTheIntentStands() throws Exception {
        fleet(1);
        haproxyMasterWorker(Duration.ofSeconds(20));
        Path relaySocket = dir.resolve("relay.sock");
        ReloadingRelay relay = fleet.keep(new ReloadingRelay(relaySocket, socket, master));
        PausectlProcess agent = agent(fleet.etcd().endpoints(), "haproxy-1", relaySocket, master);
        fleet.awaitRunning("haproxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(this::gateHolds);
        Probes probes = new Probes("probe-");
        int openings;
        try (RuntimeApiClient api = new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + socket), CALL)) {
            GateWatcher watcher = new GateWatcher(() -> workerOpen(api));
            try {
                // The write that ends the start hold is the one a reload must not separate from the pause: reload
                // just before it, so that the agent's reads reached the old worker and that write the new one.
                relay.reloadBefore(line -> line.contains(GateTarget.READY), 3);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> relay.reloads() == 3);
                // The agent's next round on the last worker, sampled too.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> gateHolds() && gate().lease() != null);
            } finally {
                openings = watcher.stop();
            }
        }
        assertThat(openings).as("samples that saw the worker serving while the intent stood; reloaded before %s;"
                + " agent: %s", relay.reloadedBefore(), agent.err()).isZero();
        List<String> sent = probes.stop();
        assertThat(fleet.upstream().order()).as("probes forwarded during the window").noneMatch(sent::contains);
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        probes.allAnsweredOnce();
        await().atMost(Duration.ofSeconds(5)).until(() -> !gateHolds());
    }

    @Test
    void requestsAnOldWorkerHoldsAtAReloadStayHeldUntilThePauseEnds() throws Exception {
        fleet(1);
        haproxyMasterWorker(Duration.ofSeconds(20));
        PausectlProcess agent = agent(fleet.etcd().endpoints(), "haproxy-1", socket, master);
        fleet.awaitRunning("haproxy-1");
        PausectlProcess run = fleet.run(TTL, 0);
        fleet.awaitStarted();
        var held = send("held-at-reload");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1);
        String oldWorker = ReloadingRelay.exchange(master, "show proc");
        ReloadingRelay.exchange(master, "reload");
        // The old worker's own lease (ttl + 1 s after the last renewal it got) runs out well within this; only the
        // agent, through the master CLI, keeps it holding.
        Duration past = TTL.plus(Duration.ofSeconds(1 + 2));
        await("held-at-reload stays held in the old worker").during(past).atMost(past.plus(Duration.ofSeconds(5)))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> fleet.upstream().count("held-at-reload") == 0);
        assertThat(MasterCli.oldWorkers(ReloadingRelay.exchange(master, "show proc")))
                .as("the old worker still runs, holding; before the reload: %s", oldWorker).hasSize(1);
        assertThat(held).isNotDone();
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fleet.upstream().count("held-at-reload")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> MasterCli.oldWorkers(ReloadingRelay.exchange(master, "show proc")).isEmpty());
        assertThat(agent.err()).doesNotContain("old workers");
    }
}
