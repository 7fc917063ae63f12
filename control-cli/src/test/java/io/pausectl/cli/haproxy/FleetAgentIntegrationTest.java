package io.pausectl.cli.haproxy;

import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.PausectlProcess;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.NodeReport;
import io.pausectl.testkit.etcd.EtcdCluster;
import io.pausectl.testkit.etcd.TcpRelay;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * {@code pausectl agent} beside a real HAProxy (the distribution's, with deploy/haproxy/pause-gate.lua),
 * following a real etcd, in one fleet with a real pause-proxy, driven by a real {@code pausectl --etcd
 * --fleet run}: the two pause as one and lose nothing; an agent cut off from etcd resumes its HAProxy by
 * itself within ttl + ttl/3 while the proxy stays paused, and pauses it again after the heal; an agent
 * started during a window pauses its HAProxy and joins; a SIGKILLed agent leaves no HAProxy paused past
 * the gate's own lease. Each scenario's bounds come from a 3 s ttl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetAgentIntegrationTest {
    private static final String FLEET = "shop";
    private static final String FRONTEND = "fe_main";
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(5);
    /** What a loaded CI machine may add to a bound the design promises. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> open = new ArrayList<>();
    private EtcdCluster etcd;
    private TestUpstream upstream;
    private Path socket;
    private int httpPort;

    private <T extends AutoCloseable> T keep(T resource) {
        open.add(resource);
        return resource;
    }

    @BeforeEach
    void start() throws Exception {
        // The distribution's HAProxy: the agent drives the gate the same way on every version.
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove("HAPROXY_LAUNCHERS");
        HaproxyLauncher launcher = HaproxyLaunchers.all(env).get(0);
        if (!launcher.available() || EtcdCluster.unavailableReason() != null) {
            String why = !launcher.available() ? launcher.unavailableReason() : EtcdCluster.unavailableReason();
            if (HaproxyLaunchers.required()) {
                fail("CI is set and a component is missing: " + why);
            }
            Assumptions.abort("skipped locally: " + why);
        }
        etcd = keep(EtcdCluster.start(1));
        upstream = keep(new TestUpstream());
        socket = dir.resolve("admin.sock");
        httpPort = freePort();
        String config = String.join("\n",
                "global",
                "    stats socket " + socket + " mode 600 level admin",
                "    lua-load " + HaproxyIntegrationTest.deployDir().resolve("pause-gate.lua"),
                "    set-var proc.pausectl_hold_limit_ms int(30000)",
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
                "    server s1 127.0.0.1:" + upstream.port(),
                "");
        RunningHaproxy haproxy = keep(launcher.start(dir, config));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(haproxy.alive()).as("haproxy exited; its log: %s", haproxy.log()).isTrue();
            try (HaproxyRuntime rt = new HaproxyRuntime(new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + socket),
                    CALL))) {
                return rt.showInfo().containsKey("Version");
            } catch (RuntimeApiException e) {
                return false;
            }
        });
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private PausectlProcess agent(String etcdUrl, String node) throws IOException {
        return keep(PausectlProcess.start(dir.resolve("logs"), List.of("agent", "--etcd", etcdUrl, "--fleet", FLEET,
                "--node", node, "--haproxy", "unix:" + socket, "--frontend", FRONTEND)));
    }

    private ProxyProcess proxy(String node) throws IOException {
        return keep(ProxyProcess.start(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                "--admin-listen", "127.0.0.1:0", "--fleet", FLEET, "--fleet-etcd", etcd.endpoints(),
                "--fleet-node", node)));
    }

    private PausectlProcess run() throws IOException {
        return run(TTL);
    }

    private PausectlProcess run(Duration ttl) throws IOException {
        return keep(PausectlProcess.start(dir.resolve("logs"), List.of("--etcd", etcd.endpoints(), "--fleet", FLEET,
                "run", "--ttl", ttl.toSeconds() + "s", "--wait-idle", "5s", "--reason", "add index", "--", "sh", "-c",
                "touch \"$1/started\"; while [ ! -e \"$1/go\" ]; do sleep 0.02; done", "sh", dir.toString())));
    }

    private boolean started() {
        return Files.exists(dir.resolve("started"));
    }

    private void go() throws IOException {
        Files.createFile(dir.resolve("go"));
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

    private Status proxyStatus(ProxyProcess proxy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/v1/status"))
                .timeout(CALL).build(), HttpResponse.BodyHandlers.ofString());
        return Json.lenient().readValue(r.body(), Status.class);
    }

    private CompletableFuture<HttpResponse<String>> send(String baseUrl, String id) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/x")).header("X-Req-Id", id)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String haproxyUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    private void awaitNodes(String... running) {
        EtcdClient client = new EtcdClient(etcd.clientUrls(), Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> client.getPrefix(FleetKeys.of(FLEET).nodes()).kvs().stream()
                .map(kv -> NodeReport.fromJson(kv.value())).filter(r -> r.state().equals(NodeReport.RUNNING))
                .map(NodeReport::node).sorted().toList().equals(List.of(running)));
    }

    @Test
    void aProxyAndAnHaproxyAgentPauseAsOneAndNothingIsLostOrDuplicated() throws Exception {
        PausectlProcess agent = agent(etcd.endpoints(), "haproxy-1");
        ProxyProcess proxy = proxy("proxy-1");
        awaitNodes("haproxy-1", "proxy-1");
        PausectlProcess run = run();
        await().atMost(Duration.ofSeconds(30)).until(this::started);
        assertThat(run.err()).contains("fleet shop paused", "2 node(s): haproxy-1, proxy-1");
        assertThat(gate().state()).isEqualTo(PauseState.PAUSED);
        assertThat(gate().lease().holder()).contains("fleet shop intent");
        var throughHaproxy = send(haproxyUrl(), "via-haproxy");
        var throughProxy = send(proxy.clientUrl(), "via-proxy");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1
                && proxyStatus(proxy).queueDepth() == 1);
        assertThat(upstream.count("via-haproxy") + upstream.count("via-proxy")).as("forwarded during the window")
                .isZero();
        go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(throughHaproxy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(throughProxy.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(upstream.count("via-haproxy")).isEqualTo(1);
        assertThat(upstream.count("via-proxy")).isEqualTo(1);
        assertThat(gateHolds()).isFalse();
        assertThat(agent.isAlive()).as(agent.err()).isTrue();
    }

    @Test
    void anAgentCutOffFromEtcdResumesItsHaproxyByItselfAndPausesItAgainAfterTheHeal() throws Exception {
        TcpRelay relay = keep(TcpRelay.start(etcd.clientPort(0)));
        PausectlProcess agent = agent(relay.url(), "haproxy-1");
        ProxyProcess proxy = proxy("proxy-1");
        awaitNodes("haproxy-1", "proxy-1");
        PausectlProcess run = run();
        await().atMost(Duration.ofSeconds(30)).until(this::started);
        assertThat(gateHolds()).as("agent: %s%npausectl: %s", agent.err(), run.err()).isTrue();
        relay.blackhole();
        long cutAt = System.nanoTime();
        await().atMost(TTL.plus(TTL.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> !gateHolds());
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - cutAt);
        assertThat(resumedAfter).as("the agent renewed only on evidence, then its deadline passed")
                .isGreaterThan(Duration.ofMillis(500));
        assertThat(proxyStatus(proxy).state()).as("the node that still reaches etcd").isEqualTo(PauseState.PAUSED);
        var during = send(haproxyUrl(), "cut-off");
        assertThat(during.get(10, TimeUnit.SECONDS).statusCode()).as("served once resumed").isEqualTo(200);
        relay.heal();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(this::gateHolds);
        assertThat(agent.err()).contains("cannot read the intent", "paused unix:");
        go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> !gateHolds());
    }

    @Test
    void anAgentStartedDuringTheWindowPausesItsHaproxyAndAKilledOneLeavesItRunning() throws Exception {
        proxy("proxy-1");
        awaitNodes("proxy-1");
        Duration ttl = TTL;
        PausectlProcess run = run(ttl);
        await().atMost(Duration.ofSeconds(30)).until(this::started);
        assertThat(gateHolds()).isFalse();
        PausectlProcess agent = agent(etcd.endpoints(), "haproxy-late");
        // Bounded by the agent JVM's start, which a loaded host stretches: generous, and over on the event.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(this::gateHolds);
        await().atMost(Duration.ofSeconds(10)).until(() -> run.err().contains("node haproxy-late joined the fleet"));
        var held = send(haproxyUrl(), "late");
        await().atMost(Duration.ofSeconds(10)).until(() -> gate().queueDepth() == 1);
        assertThat(upstream.count("late")).isZero();
        agent.kill();
        // Nobody renews: the gate's own lease (ttl + 1 s, counted in HAProxy's whole seconds) ends the hold.
        await().atMost(ttl.plus(Duration.ofSeconds(2)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> !gateHolds());
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(upstream.count("late")).isEqualTo(1);
        go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
    }
}
