package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.api.Json;
import io.pausectl.api.Status;
import io.pausectl.proxy.PauseProxy;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real {@link PauseProxy} (client listener, gate, admin API; ports 0) in front of a
 * {@link TestUpstream}, configured through the same {@link io.pausectl.proxy.config.ConfigLoader} as the command line,
 * with helpers to drive the admin API over HTTP and open raw client connections.
 */
final class PauseFixture implements AutoCloseable {
    final TestUpstream upstream;
    final PauseProxy proxy;
    final int port;
    final URI admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<RawClient> clients = new ArrayList<>();
    private String token;

    private PauseFixture(TestUpstream upstream, PauseProxy proxy) {
        this.upstream = upstream;
        this.proxy = proxy;
        this.port = proxy.clientAddress().getPort();
        this.admin = URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort());
    }

    /** Starts with flags given as name, value pairs (names as on the command line, without dashes). */
    static PauseFixture start(String... flags) throws Exception {
        return startBefore(null, flags);
    }

    /**
     * Starts in front of {@code upstreamUrl} (null: the fixture's own {@link TestUpstream}),
     * with flags given as name, value pairs.
     */
    static PauseFixture startBefore(String upstreamUrl, String... flags) throws Exception {
        TestUpstream upstream = new TestUpstream();
        ProxyConfig config;
        try {
            config = ProxyFixture.config(Map.of("listen", List.of("127.0.0.1:0"), "admin-listen",
                    List.of("127.0.0.1:0"), "upstream", List.of(upstreamUrl != null ? upstreamUrl : upstream.url()),
                    "event-loops", List.of("2")), flags);
        } catch (IllegalArgumentException e) {
            upstream.close();
            throw e;
        }
        PauseProxy proxy = new PauseProxy(config);
        proxy.start();
        PauseFixture fx = new PauseFixture(upstream, proxy);
        fx.token = config.adminToken().orElse(null);
        return fx;
    }

    QueueingPauseGate gate() {
        return proxy.gate();
    }

    RawClient client() throws IOException {
        RawClient c = new RawClient(port);
        clients.add(c);
        return c;
    }

    static String request(String method, String path, String id) {
        return method + " " + path + " HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: " + id + "\r\n"
                + (method.equals("POST") ? "Content-Length: 0\r\n" : "") + "\r\n";
    }

    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    Status status(HttpResponse<String> r) throws IOException {
        if (r.statusCode() != 200) {
            throw new AssertionError("admin answered " + r.statusCode() + ": " + r.body());
        }
        return Json.lenient().readValue(r.body(), Status.class);
    }

    Status pause(String json) throws IOException, InterruptedException {
        return status(admin("POST", "/v1/pause", json));
    }

    Status resume(String lease) throws IOException, InterruptedException {
        return status(admin("POST", "/v1/resume", "{\"lease\":\"" + lease + "\"}"));
    }

    Status status() throws IOException, InterruptedException {
        return status(admin("GET", "/v1/status", null));
    }

    @Override
    public void close() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        proxy.shutdown(Duration.ofSeconds(2));
        upstream.close();
    }
}
