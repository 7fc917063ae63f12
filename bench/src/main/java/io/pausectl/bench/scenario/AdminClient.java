package io.pausectl.bench.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pausectl.api.Json;
import io.pausectl.api.PauseRequest;
import io.pausectl.api.ResumeRequest;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The few admin API calls the hold and drain scenarios make themselves (the window goes through
 * the real {@code pausectl run} instead): status, pause, resume, metrics.
 */
final class AdminClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    AdminClient(String adminUrl) {
        this.base = URI.create(adminUrl);
    }

    Status status() throws IOException, InterruptedException {
        return read(send(HttpRequest.newBuilder(base.resolve("/v1/status")).GET()), "GET /v1/status");
    }

    /** Pauses everything for {@code ttl}; answers once paused (nothing is in flight in these scenarios). */
    Status pause(String reason, Duration ttl) throws IOException, InterruptedException {
        PauseRequest body = new PauseRequest(reason, "pause-bench", ttl.toSeconds() + "s", "10s", Scope.ALL, null);
        return read(post("/v1/pause", body), "POST /v1/pause");
    }

    Status resume(String leaseId) throws IOException, InterruptedException {
        return read(post("/v1/resume", new ResumeRequest(leaseId, null)), "POST /v1/resume");
    }

    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/metrics")).GET());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * The total of {@code pauseproxy_pause_seconds} (every pause's length, start to resume or
     * expiry) in milliseconds, or -1 when the proxy does not publish it.
     */
    long pausedMillisTotal() throws IOException, InterruptedException {
        for (String line : metrics().split("\n")) {
            if (line.startsWith("pauseproxy_pause_seconds_sum")) {
                String[] parts = line.trim().split("\\s+");
                return Math.round(Double.parseDouble(parts[parts.length - 1]) * 1000);
            }
        }
        return -1;
    }

    private HttpResponse<String> post(String path, Object body) throws IOException, InterruptedException {
        String json;
        try {
            json = Json.strict().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Status read(HttpResponse<String> r, String what) throws IOException {
        if (r.statusCode() != 200) {
            throw new IOException(what + " answered " + r.statusCode() + ": " + r.body());
        }
        return Json.lenient().readValue(r.body(), Status.class);
    }
}
