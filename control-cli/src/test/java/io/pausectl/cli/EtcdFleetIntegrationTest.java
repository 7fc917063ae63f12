package io.pausectl.cli;

import com.sun.net.httpserver.HttpServer;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.NodeReport;
import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.etcd.EtcdCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code pausectl --etcd URL --fleet NAME run} as its own process, against real pause-proxy processes that
 * follow a real etcd, in front of an upstream that records every {@code X-Req-Id}: the fleet pauses all or
 * none with nothing lost or duplicated, a second controller gets exit 4, a controller SIGKILLed leaves no
 * node paused past its ttl, and a lost quorum resumes every node while pausectl says the window was lost.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdFleetIntegrationTest {
    private static final String FLEET = "shop";
    private static final Duration EXIT = Duration.ofSeconds(40);
    /** What a loaded CI machine may add to a bound the design promises. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        synchronized (open) {
            open.add(resource);
        }
        return resource;
    }

    /** The origin: answers 200 at once and counts each X-Req-Id it sees. */
    static final class RecordingUpstream implements AutoCloseable {
        final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        final AtomicLong total = new AtomicLong();
        final java.util.concurrent.CountDownLatch unpark = new java.util.concurrent.CountDownLatch(1);
        private final HttpServer server;

        RecordingUpstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
            server.createContext("/", exchange -> {
                String id = exchange.getRequestHeaders().getFirst("X-Req-Id");
                if (id != null) {
                    seen.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                }
                total.incrementAndGet();
                exchange.getRequestBody().readAllBytes();
                if (exchange.getRequestURI().getPath().equals("/park")) {
                    try {
                        // Keeps one request in flight until the test lets it go (bounded by 30 s).
                        unpark.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            unpark.countDown();
            server.stop(0);
        }
    }

    /** Clients sending GETs with unique X-Req-Ids round-robin through the proxies until stopped. */
    final class Load implements AutoCloseable {
        final Map<String, Integer> answered = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(List<ProxyProcess> proxies, int clients) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                Thread t = new Thread(() -> {
                    int i = 0;
                    while (running.get()) {
                        ProxyProcess p = proxies.get((client + i) % proxies.size());
                        String id = "c" + client + "-" + i++;
                        sent.incrementAndGet();
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.clientUrl() + "/x"))
                                    .header("X-Req-Id", id).timeout(Duration.ofSeconds(30)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            answered.put(id, r.statusCode());
                        } catch (IOException e) {
                            answered.put(id, -1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "fleet-load-" + c);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(35_000);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    private ProxyProcess member(RecordingUpstream upstream, EtcdCluster cluster, String node) throws IOException {
        return keep(ProxyProcess.start(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                "--admin-listen", "127.0.0.1:0", "--fleet", FLEET, "--fleet-etcd", cluster.endpoints(),
                "--fleet-node", node)));
    }

    /** Starts the members at once: their JVMs' start-ups overlap instead of adding up. */
    private List<ProxyProcess> members(RecordingUpstream upstream, EtcdCluster cluster, String... nodes)
            throws Exception {
        List<java.util.concurrent.CompletableFuture<ProxyProcess>> starting = new ArrayList<>();
        for (String node : nodes) {
            starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return member(upstream, cluster, node);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        List<ProxyProcess> started = new ArrayList<>();
        for (var f : starting) {
            started.add(f.get(60, TimeUnit.SECONDS));
        }
        return started;
    }

    private PausectlProcess pausectl(EtcdCluster cluster, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--etcd", cluster.endpoints(), "--fleet", FLEET));
        all.addAll(List.of(args));
        return keep(PausectlProcess.start(dir.resolve("logs"), all));
    }

    /** A command that touches {@code started}, waits until the test creates {@code go}, then exits with code. */
    private String[] migration(int code) {
        return new String[] {"--", "sh", "-c", "touch \"$1/started\"; while [ ! -e \"$1/go\" ]; do sleep 0.02; done;"
                + " exit " + code, "sh", dir.toString()};
    }

    private String[] runArgs(String ttl, int code) {
        List<String> all = new ArrayList<>(List.of("run", "--ttl", ttl, "--wait-idle", "5s", "--reason", "add index"));
        all.addAll(List.of(migration(code)));
        return all.toArray(new String[0]);
    }

    private Status status(ProxyProcess proxy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/v1/status"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.lenient().readValue(r.body(), Status.class);
    }

    private boolean started() {
        return Files.exists(dir.resolve("started"));
    }

    private void awaitRegistered(EtcdCluster cluster, int nodes) {
        EtcdClient etcd = new EtcdClient(cluster.clientUrls(), Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(15)).until(() -> etcd.getPrefix(FleetKeys.of(FLEET).nodes()).kvs().stream()
                .map(kv -> NodeReport.fromJson(kv.value())).filter(r -> r.state().equals(NodeReport.RUNNING)).count()
                == nodes);
    }

    @Test
    void theFleetPausesAsOneAndNothingIsLostOrDuplicated() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        List<ProxyProcess> proxies = members(upstream, cluster, "a", "b", "c");
        awaitRegistered(cluster, 3);
        Load load = keep(new Load(proxies, 6));
        await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.size() >= 30);

        PausectlProcess run = pausectl(cluster, runArgs("5s", 7));
        await().atMost(Duration.ofSeconds(15)).until(this::started);
        // The command runs only once every node is paused: nothing reaches the upstream from here on.
        for (ProxyProcess p : proxies) {
            assertThat(status(p).state()).isEqualTo(PauseState.PAUSED);
        }
        long atStart = upstream.total.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> proxies.stream().mapToInt(p -> {
            try {
                return status(p).queueDepth();
            } catch (Exception e) {
                return 0;
            }
        }).sum() == 6);
        assertThat(upstream.total.get()).as("forwarded during the window").isEqualTo(atStart);
        Files.createFile(dir.resolve("go"));
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(7);
        assertThat(run.err()).contains("fleet shop paused", "3 node(s): a, b, c");
        load.stop();
        for (ProxyProcess p : proxies) {
            assertThat(status(p).state()).isIn(PauseState.RUNNING, PauseState.DRAINING);
        }
        assertThat(load.answered.values()).as("every request answered 200").allMatch(code -> code == 200);
        assertThat(load.answered).hasSize(load.sent.get());
        for (String id : load.answered.keySet()) {
            assertThat(upstream.seen.get(id)).as("request %s reached the upstream once", id).isNotNull()
                    .hasValue(1);
        }
    }

    @Test
    void aSecondControllerIsRefusedWithExit4NamingTheHolder() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        member(upstream, cluster, "a");
        awaitRegistered(cluster, 1);
        PausectlProcess first = pausectl(cluster, runArgs("5s", 0));
        await().atMost(Duration.ofSeconds(15)).until(this::started);
        PausectlProcess second = pausectl(cluster, "run", "--reason", "other", "--", "true");
        assertThat(second.waitFor(EXIT)).as(second.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(second.err()).contains("fleet shop is already paused", "reason 'add index'", "held by 'pausectl");
        Files.createFile(dir.resolve("go"));
        assertThat(first.waitFor(EXIT)).as(first.err()).isZero();
    }

    @Test
    void aControllerKilledMidWindowLeavesEveryNodeRunningAboutATtlLater() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        List<ProxyProcess> proxies = members(upstream, cluster, "a", "b");
        awaitRegistered(cluster, 2);
        Duration ttl = Duration.ofSeconds(3);
        PausectlProcess run = pausectl(cluster, runArgs("3s", 0));
        await().atMost(Duration.ofSeconds(15)).until(this::started);
        run.kill();
        long killedAt = System.nanoTime();
        await().atMost(ttl.plus(ttl.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> proxies.stream().allMatch(p -> {
                    try {
                        return status(p).state() != PauseState.PAUSED;
                    } catch (Exception e) {
                        return false;
                    }
                }));
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - killedAt);
        // About a ttl: etcd expires the controller's lease (and with it the intent) after the ttl.
        assertThat(resumedAfter).isGreaterThan(Duration.ofSeconds(1));
    }

    @Test
    void whenEtcdLosesItsQuorumEveryNodeResumesAndPausectlSaysTheWindowWasLost() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(3));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        List<ProxyProcess> proxies = members(upstream, cluster, "a", "b");
        awaitRegistered(cluster, 2);
        Duration ttl = Duration.ofSeconds(3);
        PausectlProcess run = pausectl(cluster, runArgs("3s", 0));
        await().atMost(Duration.ofSeconds(15)).until(this::started);
        cluster.stopMember(1);
        cluster.stopMember(2);
        await().atMost(ttl.plus(ttl.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> proxies.stream().allMatch(p -> {
                    try {
                        return status(p).state() != PauseState.PAUSED;
                    } catch (Exception e) {
                        return false;
                    }
                }));
        await().atMost(ttl.plus(SLACK)).until(() -> run.err().contains("the fleet window was LOST"));
        Files.createFile(dir.resolve("go"));
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("traffic was NOT held for the whole command");
    }

    @Test
    void aProxyStartedDuringTheWindowHoldsItsRequestsAndPausectlSaysItJoined() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        member(upstream, cluster, "a");
        awaitRegistered(cluster, 1);
        PausectlProcess run = pausectl(cluster, runArgs("5s", 0));
        await().atMost(Duration.ofSeconds(15)).until(this::started);
        ProxyProcess late = member(upstream, cluster, "late");
        var held = http.sendAsync(HttpRequest.newBuilder(URI.create(late.clientUrl() + "/x")).header("X-Req-Id", "late-1")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(15)).until(() -> run.err().contains("node late joined the fleet"));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(late).queueDepth() == 1);
        assertThat(status(late).state()).isEqualTo(PauseState.PAUSED);
        assertThat(upstream.seen).as("the late node's upstream saw nothing during the window").doesNotContainKey("late-1");
        Files.createFile(dir.resolve("go"));
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("joined during the window: late");
        assertThat(held.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(upstream.seen.get("late-1")).hasValue(1);
    }

    @Test
    void aNodeThatCannotPauseWithinWaitIdleIsNamedAndNothingRuns() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        RecordingUpstream upstream = keep(new RecordingUpstream());
        ProxyProcess a = members(upstream, cluster, "a", "b").get(0);
        awaitRegistered(cluster, 2);
        var slow = http.sendAsync(HttpRequest.newBuilder(URI.create(a.clientUrl() + "/park")).header("X-Req-Id", "slow")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.seen.containsKey("slow"));
        PausectlProcess run = pausectl(cluster, "run", "--ttl", "5s", "--wait-idle", "1s", "--", "touch",
                dir.resolve("started").toString());
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(ExitCodes.NOT_PAUSED);
        assertThat(run.err()).contains("could not pause fleet shop", "not paused within --wait-idle 1s", "a (pausing)",
                "the intent was removed", "the command was NOT run").doesNotContain("b (");
        assertThat(started()).isFalse();
        upstream.unpark.countDown();
        assertThat(slow.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(a).state() == PauseState.RUNNING);
    }
}
