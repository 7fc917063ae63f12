package io.pausectl.cli;

import io.pausectl.api.Json;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;
import io.pausectl.fleet.EtcdClient;
import io.pausectl.fleet.FleetKeys;
import io.pausectl.fleet.NodeReport;
import io.pausectl.testkit.etcd.EtcdCluster;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * The set-up every fleet scenario of the CLI's suites shares: a real etcd (1 or 3 members), testkit's
 * {@link TestUpstream} as the origin (it records every {@code X-Req-Id}), pause-proxy fleet members as
 * processes (started at once, so their JVMs' start-ups overlap), {@code pausectl --etcd --fleet} as a
 * process, and a migration command that the test lets go. Everything it starts is stopped by
 * {@link #close} (call it from {@code @AfterEach}), in reverse order.
 */
public final class FleetFixture implements AutoCloseable {
    public static final String FLEET = "shop";
    /** What a loaded CI machine may add to a bound the design promises. */
    public static final Duration SLACK = Duration.ofSeconds(3);

    private final Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final EtcdCluster etcd;
    private final TestUpstream upstream;
    /** The migration of {@link #run}: ended by {@link #close} even when the pausectl that ran it was SIGKILLed. */
    private final WaitingCommand migration;

    private FleetFixture(Path dir, EtcdCluster etcd, TestUpstream upstream) {
        this.dir = dir;
        this.migration = keep(new WaitingCommand(dir));
        this.etcd = etcd == null ? null : keep(etcd);
        this.upstream = keep(upstream);
    }

    /**
     * Starts an etcd of {@code etcdMembers} (1 or 3; 0 for none, when a scenario needs only the origin) and
     * the origin; {@code dir} holds logs and the command's files.
     */
    public static FleetFixture start(Path dir, int etcdMembers) throws IOException {
        TestUpstream upstream = new TestUpstream();
        try {
            return new FleetFixture(dir, etcdMembers == 0 ? null : EtcdCluster.start(etcdMembers), upstream);
        } catch (IOException | RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    public EtcdCluster etcd() {
        return etcd;
    }

    public TestUpstream upstream() {
        return upstream;
    }

    public HttpClient http() {
        return http;
    }

    /** Closes {@code resource} with the fixture. */
    public <T extends AutoCloseable> T keep(T resource) {
        synchronized (open) {
            open.add(resource);
        }
        return resource;
    }

    /** A pause-proxy as fleet member {@code node} of this etcd, with {@code more} arguments. */
    public ProxyProcess member(String node, String... more) throws IOException {
        return member(etcd.endpoints(), node, more);
    }

    /** A pause-proxy as fleet member {@code node} following the etcd at {@code endpoints} (e.g. a relay). */
    public ProxyProcess member(String endpoints, String node, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(),
                "--admin-listen", "127.0.0.1:0", "--fleet", FLEET, "--fleet-etcd", endpoints, "--fleet-node", node));
        args.addAll(List.of(more));
        // Their JVMs' start-up, on two shared cores, is most of a scenario's time.
        return keep(ProxyProcess.builder().quickStart().args(args).start());
    }

    /** Starts the members at once and returns them in the order named. */
    public List<ProxyProcess> members(String... nodes) throws Exception {
        List<CompletableFuture<ProxyProcess>> starting = new ArrayList<>();
        for (String node : nodes) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return member(node);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        List<ProxyProcess> started = new ArrayList<>();
        for (CompletableFuture<ProxyProcess> f : starting) {
            started.add(f.get(90, TimeUnit.SECONDS));
        }
        return started;
    }

    /** {@code pausectl --etcd <this etcd> --fleet shop ARGS} as a process. */
    public PausectlProcess pausectl(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--etcd", etcd.endpoints(), "--fleet", FLEET));
        all.addAll(List.of(args));
        return keep(PausectlProcess.start(dir.resolve("logs"), all));
    }

    /** {@code pausectl ... run --ttl TTL --wait-idle 5s -- <migration>}: the migration exits with {@code code}. */
    public PausectlProcess run(Duration ttl, int code) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--ttl", Durations.format(ttl), "--wait-idle", "5s",
                "--reason", "add index"));
        args.addAll(migration(code));
        return pausectl(args.toArray(new String[0]));
    }

    /** {@code --} and a command that touches {@code started}, waits until {@link #go}, then exits with {@code code}. */
    public List<String> migration(int code) {
        List<String> args = new ArrayList<>(List.of("--"));
        args.addAll(migration.argv(code));
        return args;
    }

    /** Whether the migration started (pausectl runs it only once the fleet is paused). */
    public boolean started() {
        return migration.started();
    }

    /** Waits until the migration started. */
    public void awaitStarted() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(this::started);
    }

    /** Lets the migration end. */
    public void go() throws IOException {
        migration.go();
    }

    /** A member's {@code GET /v1/status}. */
    public Status status(ProxyProcess proxy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/v1/status"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.lenient().readValue(r.body(), Status.class);
    }

    /** GET {@code baseUrl/x} with this {@code X-Req-Id}. */
    public CompletableFuture<HttpResponse<String>> send(String baseUrl, String id) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/x")).header("X-Req-Id", id)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until exactly these nodes are registered, each reporting {@code running}. */
    public void awaitRunning(String... nodes) {
        EtcdClient client = new EtcdClient(etcd.clientUrls(), Duration.ofSeconds(2));
        List<String> expected = List.of(nodes).stream().sorted().toList();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> client
                .getPrefix(FleetKeys.of(FLEET).nodes()).kvs().stream().map(kv -> NodeReport.fromJson(kv.value()))
                .filter(r -> r.state().equals(NodeReport.RUNNING)).map(NodeReport::node).sorted().toList()
                .equals(expected));
    }

    /** How many times the origin saw each {@code X-Req-Id}. */
    public Map<String, Long> seenCounts() {
        return upstream.order().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
        }
        Exception first = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
