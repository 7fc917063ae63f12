package io.pausectl.proxy.pause;

import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.Intent;
import io.pausectl.fleet.NodeReport;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.etcd.EtcdCluster;
import io.pausectl.testkit.etcd.TcpRelay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real pause-proxy process as a fleet member of a real etcd, the intent written as pausectl writes
 * it: a node started during the window holds before it serves; a node cut off from etcd (a relay
 * that blackholes) or from its quorum resumes by itself within ttl + ttl/3 and pauses again after
 * the heal; with etcd down at start it holds at most --fleet-start-hold, then serves.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetMemberIntegrationTest {
    private static final String FLEET = "shop";
    private static final FleetKeys KEYS = FleetKeys.of(FLEET);
    private static final Duration TTL = Duration.ofSeconds(3);
    /** What a loaded CI machine may add to a bound the design promises (a JVM's start, a GC, a slow tick). */
    private static final Duration SLACK = Duration.ofSeconds(3);

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

    private ProxyProcess member(TestUpstream upstream, String etcd, String node, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                "--admin-listen", "127.0.0.1:0", "--fleet", FLEET, "--fleet-etcd", etcd, "--fleet-node", node));
        args.addAll(List.of(more));
        // Their JVMs' start-up, on two shared cores, is most of a scenario's time.
        return keep(ProxyProcess.builder().quickStart().args(args).start());
    }

    /** Starts a member on another thread, so that two JVMs' start-ups overlap. */
    private CompletableFuture<ProxyProcess> startAsync(TestUpstream upstream, String etcd, String node) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return member(upstream, etcd, node);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Writes an intent the way pausectl does: created if absent, bound to a lease of the ttl. */
    private static long writeIntent(EtcdClient etcd, String id) throws IOException {
        long lease = etcd.grantLease(Duration.ofSeconds(30));
        Intent intent = new Intent(id, "test@here", "fleet test", "3s", "5s", Scope.ALL, Instant.now());
        assertThat(etcd.createIfAbsent(KEYS.intent(), intent.toJson(), lease)).isEmpty();
        return lease;
    }

    private Status status(ProxyProcess proxy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/v1/status"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.lenient().readValue(r.body(), Status.class);
    }

    private static Optional<NodeReport> report(EtcdClient etcd, String node) throws IOException {
        return etcd.get(KEYS.node(node)).map(kv -> NodeReport.fromJson(kv.value()));
    }

    private CompletableFuture<HttpResponse<String>> send(ProxyProcess proxy, String id) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(proxy.clientUrl() + "/r/" + id))
                .header("X-Req-Id", id).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aNodeStartedDuringTheWindowHoldsBeforeServingAndReleasesEachRequestOnceWhenTheIntentGoes() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        EtcdClient etcd = new EtcdClient(cluster.clientUrls(), Duration.ofSeconds(2));
        TestUpstream upstream = keep(new TestUpstream());
        long lease = writeIntent(etcd, "window-1");
        ProxyProcess late = member(upstream, cluster.endpoints(), "late");
        // The very first requests, sent as soon as the proxy listens, are held.
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(send(late, "late-" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> report(etcd, "late").map(r -> r.pausedFor("window-1"))
                .orElse(false));
        await().atMost(Duration.ofSeconds(5)).until(() -> status(late).queueDepth() == 5);
        assertThat(upstream.order()).as("no request reached the upstream during the window").isEmpty();
        etcd.revoke(lease);
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(upstream.order()).hasSize(5);
        assertThat(upstream.duplicates()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> report(etcd, "late")
                .map(r -> NodeReport.RUNNING.equals(r.state())).orElse(false));
    }

    @Test
    void withEtcdDownAtStartANodeHoldsAtMostTheStartHoldThenServes() throws Exception {
        TestUpstream upstream = keep(new TestUpstream());
        // The client warmed up first, so that its own start does not eat the start hold on a loaded machine.
        http.send(HttpRequest.newBuilder(URI.create(upstream.url() + "/warm")).header("X-Req-Id", "warm").build(),
                HttpResponse.BodyHandlers.ofString());
        Duration startHold = Duration.ofSeconds(6);
        ProxyProcess proxy = member(upstream, "http://127.0.0.1:" + closedPort(), "alone", "--fleet-start-hold", "6s");
        long sentAt = System.nanoTime();
        HttpResponse<String> r = send(proxy, "early").get(15, TimeUnit.SECONDS);
        Duration waited = Duration.ofNanos(System.nanoTime() - sentAt);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Server-Timing").orElse("")).as("it was held; the proxy said:\n%s", String.join("\n", proxy.lastLines())).contains("pause;dur=");
        assertThat(waited).isLessThan(startHold.plus(SLACK));
        assertThat(upstream.count("early")).isEqualTo(1);
        assertThat(status(proxy).state()).isIn(PauseState.RUNNING, PauseState.DRAINING);
    }

    @Test
    void aNodeCutOffFromEtcdResumesWithinTtlAndAThirdAndPausesAgainAfterTheHeal() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(1));
        EtcdClient etcd = new EtcdClient(cluster.clientUrls(), Duration.ofSeconds(2));
        TcpRelay relay = keep(TcpRelay.start(cluster.clientPort(0)));
        TestUpstream upstream = keep(new TestUpstream());
        CompletableFuture<ProxyProcess> starting = startAsync(upstream, relay.url(), "cut");
        ProxyProcess kept = member(upstream, cluster.endpoints(), "kept");
        ProxyProcess cut = starting.get(90, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> report(etcd, "cut").isPresent()
                && report(etcd, "kept").isPresent());
        writeIntent(etcd, "window-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(cut).state() == PauseState.PAUSED
                && status(kept).state() == PauseState.PAUSED);

        relay.blackhole();
        long cutAt = System.nanoTime();
        await().atMost(TTL.plus(TTL.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> status(cut).state() != PauseState.PAUSED);
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - cutAt);
        assertThat(resumedAfter).as("the cut node held on to the pause for a while without evidence")
                .isLessThanOrEqualTo(TTL.plus(TTL.dividedBy(3)).plus(SLACK));
        assertThat(status(kept).state()).as("the node that still reads the intent stays paused")
                .isEqualTo(PauseState.PAUSED);
        HttpResponse<String> served = send(cut, "while-cut").get(10, TimeUnit.SECONDS);
        assertThat(served.statusCode()).isEqualTo(200);

        relay.heal();
        await().atMost(Duration.ofSeconds(15)).until(() -> status(cut).state() == PauseState.PAUSED);
        assertThat(status(cut).lease().holder()).contains("window-2");
    }

    @Test
    void whenEtcdLosesItsQuorumEveryNodeResumesByItself() throws Exception {
        EtcdCluster cluster = keep(EtcdCluster.start(3));
        EtcdClient etcd = new EtcdClient(cluster.clientUrls(), Duration.ofSeconds(2));
        TestUpstream upstream = keep(new TestUpstream());
        CompletableFuture<ProxyProcess> starting = startAsync(upstream, cluster.endpoints(), "a");
        ProxyProcess b = member(upstream, cluster.endpoints(), "b");
        ProxyProcess a = starting.get(90, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> report(etcd, "a").isPresent() && report(etcd, "b").isPresent());
        writeIntent(etcd, "window-3");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(a).state() == PauseState.PAUSED
                && status(b).state() == PauseState.PAUSED);
        cluster.stopMember(1);
        cluster.stopMember(2);
        long lostAt = System.nanoTime();
        await().atMost(TTL.plus(TTL.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> status(a).state() != PauseState.PAUSED && status(b).state() != PauseState.PAUSED);
        assertThat(Duration.ofNanos(System.nanoTime() - lostAt)).isLessThanOrEqualTo(TTL.plus(TTL.dividedBy(3)).plus(SLACK));
        assertThat(send(a, "after-a").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(send(b, "after-b").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
