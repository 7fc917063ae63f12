package io.pausectl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A small etcd v3 client over etcd's JSON gRPC gateway ({@code POST /v3/...}, etcd 3.4 and later),
 * on the JDK's {@link HttpClient} and Jackson: no gRPC and no second Netty on the classpath. Keys and
 * values are UTF-8 text (base64 on the wire, as the gateway wants); 64-bit numbers are strings in
 * the gateway's JSON.
 *
 * <p>Every call has a deadline ({@code callTimeout}); within it the endpoints are tried in turn,
 * starting with the last one that answered, so one member down costs one connect attempt. Reads are
 * linearizable (etcd's default: the member confirms with the quorum before answering), so a member
 * cut off from its quorum, or a client cut off from every member, gets an {@link EtcdException}
 * rather than an old value. Safe for use from several threads.
 */
public final class EtcdClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final List<URI> endpoints;
    private final Duration callTimeout;
    private final HttpClient http;
    private final AtomicInteger preferred = new AtomicInteger();

    /**
     * @param endpoints   etcd client URLs, {@code http://host:port} (TLS is not supported yet)
     * @param callTimeout the deadline of one call, all endpoints included
     * @throws IllegalArgumentException when no endpoint is given or one is not an http:// URL
     */
    public EtcdClient(List<String> endpoints, Duration callTimeout) {
        this.endpoints = parse(endpoints);
        this.callTimeout = callTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(min(callTimeout, Duration.ofSeconds(1))).build();
    }

    /** Parses a list of endpoints, each {@code http://host:port}; the message names the bad one. */
    public static List<URI> parse(List<String> endpoints) {
        List<URI> out = new ArrayList<>();
        for (String e : endpoints) {
            String text = e.trim();
            if (text.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            } catch (java.net.URISyntaxException ex) {
                throw new IllegalArgumentException("'" + text + "' is not a URL: " + ex.getReason());
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0
                    || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("'" + text + "' is not an etcd client URL http://HOST:PORT"
                        + " (TLS endpoints are not supported yet)");
            }
            out.add(uri);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint given, e.g. http://127.0.0.1:2379");
        }
        return List.copyOf(out);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The endpoints, as given. */
    public List<URI> endpoints() {
        return endpoints;
    }

    /** Grants a lease of {@code ttl} (whole seconds, at least 1); returns its id. */
    public long grantLease(Duration ttl) throws EtcdException {
        ObjectNode body = JSON.createObjectNode().put("TTL", Math.max(1, ttl.toSeconds()));
        JsonNode answer = call("/v3/lease/grant", body);
        if (answer.hasNonNull("error") && !answer.path("error").asText().isEmpty()) {
            throw new EtcdException("lease grant refused: " + answer.path("error").asText());
        }
        return answer.path("ID").asLong();
    }

    /**
     * Renews a lease once.
     *
     * @return the lease's time to live from now in seconds, or 0 or less when the lease is gone
     *         (expired or revoked)
     */
    public long keepAlive(long leaseId) throws EtcdException {
        JsonNode answer = call("/v3/lease/keepalive", JSON.createObjectNode().put("ID", Long.toString(leaseId)));
        return answer.path("result").path("TTL").asLong(0);
    }

    /** Revokes a lease: every key bound to it is deleted. A lease already gone is no error. */
    public void revoke(long leaseId) throws EtcdException {
        try {
            call("/v3/lease/revoke", JSON.createObjectNode().put("ID", Long.toString(leaseId)));
        } catch (EtcdException e) {
            if (e.getMessage() == null || !e.getMessage().contains("lease not found")) {
                throw e;
            }
        }
    }

    /**
     * Creates {@code key} bound to {@code lease} only if it does not exist (one transaction comparing
     * its create revision with 0).
     *
     * @return empty when created; otherwise the key that exists
     */
    public Optional<KeyValue> createIfAbsent(String key, String value, long lease) throws EtcdException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("compare").addObject().put("key", b64(key)).put("target", "CREATE").put("create_revision", "0");
        body.putArray("success").addObject().putObject("request_put").put("key", b64(key)).put("value", b64(value))
                .put("lease", Long.toString(lease));
        body.putArray("failure").addObject().putObject("request_range").put("key", b64(key));
        JsonNode answer = call("/v3/kv/txn", body);
        if (answer.path("succeeded").asBoolean(false)) {
            return Optional.empty();
        }
        for (JsonNode r : answer.path("responses")) {
            for (JsonNode kv : r.path("response_range").path("kvs")) {
                return Optional.of(keyValue(kv));
            }
        }
        // It existed when compared and was gone when read in the same transaction: cannot happen; say so.
        throw new EtcdException("create-if-absent of " + key + " failed but the key was not found");
    }

    /** Puts {@code key} bound to {@code lease} (0 for none). */
    public void put(String key, String value, long lease) throws EtcdException {
        ObjectNode body = JSON.createObjectNode().put("key", b64(key)).put("value", b64(value));
        if (lease != 0) {
            body.put("lease", Long.toString(lease));
        }
        call("/v3/kv/put", body);
    }

    /** A linearizable read of one key. */
    public Optional<KeyValue> get(String key) throws EtcdException {
        List<KeyValue> kvs = range(JSON.createObjectNode().put("key", b64(key))).kvs();
        return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
    }

    /** The keys under a prefix and the store's revision when read (linearizable). */
    public record Range(List<KeyValue> kvs, long revision) {
    }

    /** A linearizable read of every key starting with {@code prefix}. */
    public Range getPrefix(String prefix) throws EtcdException {
        return range(JSON.createObjectNode().put("key", b64(prefix)).put("range_end", prefixEnd(prefix)));
    }

    private Range range(ObjectNode body) throws EtcdException {
        JsonNode answer = call("/v3/kv/range", body);
        List<KeyValue> out = new ArrayList<>();
        for (JsonNode kv : answer.path("kvs")) {
            out.add(keyValue(kv));
        }
        return new Range(out, answer.path("header").path("revision").asLong());
    }

    /**
     * Deletes {@code key} only if it is still the one created at {@code createRevision} (so a key
     * created since by someone else is left alone).
     *
     * @return whether it was deleted
     */
    public boolean deleteIfCreatedAt(String key, long createRevision) throws EtcdException {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("compare").addObject().put("key", b64(key)).put("target", "CREATE")
                .put("create_revision", Long.toString(createRevision));
        body.putArray("success").addObject().putObject("request_delete_range").put("key", b64(key));
        JsonNode answer = call("/v3/kv/txn", body);
        return answer.path("succeeded").asBoolean(false);
    }

    /** A watch in progress; {@link #close} ends it. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Watches {@code key} (or every key under it when {@code prefix}) from {@code startRevision} (0:
     * from now) on a thread of its own. {@code onEvent} gets each change in order; {@code onEnd} is
     * called once when the stream ends for any reason but {@link Watch#close} (etcd unreachable, the
     * member stopped): the caller decides when to watch again. The stream has no deadline: a
     * partition shows as silence, so a caller that must know reads on its own schedule too.
     */
    public Watch watch(String key, boolean prefix, long startRevision, Consumer<WatchEvent> onEvent,
                       Consumer<Exception> onEnd) {
        ObjectNode create = JSON.createObjectNode();
        ObjectNode request = create.putObject("create_request").put("key", b64(key));
        if (prefix) {
            request.put("range_end", prefixEnd(key));
        }
        if (startRevision > 0) {
            request.put("start_revision", Long.toString(startRevision));
        }
        WatchStream stream = new WatchStream(create.toString(), onEvent, onEnd);
        Thread t = new Thread(stream, "etcd-watch " + key);
        t.setDaemon(true);
        t.start();
        return stream;
    }

    private final class WatchStream implements Runnable, Watch {
        private final String body;
        private final Consumer<WatchEvent> onEvent;
        private final Consumer<Exception> onEnd;
        private volatile boolean closed;
        private volatile InputStream in;

        WatchStream(String body, Consumer<WatchEvent> onEvent, Consumer<Exception> onEnd) {
            this.body = body;
            this.onEvent = onEvent;
            this.onEnd = onEnd;
        }

        @Override
        public void run() {
            Exception end = null;
            URI endpoint = endpoints.get(Math.floorMod(preferred.get(), endpoints.size()));
            try {
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/v3/watch"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                in = response.body();
                if (closed) {
                    in.close();
                    return;
                }
                if (response.statusCode() != 200) {
                    throw new EtcdException(endpoint + " answered the watch with HTTP " + response.statusCode());
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while (!closed && (line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode message = JSON.readTree(line);
                    if (message.has("error")) {
                        throw new EtcdException("watch ended by " + endpoint + ": " + message.path("error"));
                    }
                    JsonNode result = message.path("result");
                    if (result.path("canceled").asBoolean(false)) {
                        throw new EtcdException("watch canceled by " + endpoint + ": "
                                + result.path("cancel_reason").asText("no reason given"));
                    }
                    for (JsonNode event : result.path("events")) {
                        onEvent.accept(new WatchEvent("DELETE".equals(event.path("type").asText()),
                                keyValue(event.path("kv"))));
                    }
                }
                end = new EtcdException("watch stream from " + endpoint + " ended");
            } catch (IOException e) {
                end = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end = e;
            } catch (RuntimeException e) {
                end = e;
            }
            if (!closed) {
                preferred.incrementAndGet();
                onEnd.accept(end);
            }
        }

        @Override
        public void close() {
            closed = true;
            InputStream stream = in;
            if (stream != null) {
                try {
                    stream.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    private JsonNode call(String path, ObjectNode body) throws EtcdException {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        int start = preferred.get();
        EtcdException last = null;
        for (int i = 0; i < endpoints.size(); i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            int index = Math.floorMod(start + i, endpoints.size());
            URI endpoint = endpoints.get(index);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve(path))
                        .timeout(Duration.ofNanos(left)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                JsonNode answer = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
                if (response.statusCode() != 200) {
                    String message = answer.path("message").asText(answer.path("error").asText(response.body()));
                    EtcdException refused = new EtcdException(endpoint + path + ": HTTP " + response.statusCode()
                            + ": " + message);
                    if (response.statusCode() >= 500 && !message.contains("lease not found")) {
                        // A member without a leader or quorum says so: try another.
                        last = refused;
                        continue;
                    }
                    throw refused;
                }
                if (index != Math.floorMod(start, endpoints.size())) {
                    preferred.set(index);
                }
                return answer;
            } catch (IOException e) {
                last = new EtcdException(endpoint + path + ": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EtcdException(endpoint + path + ": interrupted", e);
            }
        }
        preferred.incrementAndGet();
        throw last != null ? last : new EtcdException(path + ": no etcd endpoint answered within "
                + callTimeout.toMillis() + " ms");
    }

    private static String describe(IOException e) {
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time (etcd down, partitioned, or without a quorum)";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static KeyValue keyValue(JsonNode kv) {
        return new KeyValue(text(kv.path("key").asText("")), text(kv.path("value").asText("")),
                kv.path("create_revision").asLong(), kv.path("mod_revision").asLong(), kv.path("lease").asLong());
    }

    private static String b64(String text) {
        return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String base64) {
        return new String(B64D.decode(base64), StandardCharsets.UTF_8);
    }

    /** The end of a prefix's range, base64: the prefix with its last byte plus one (etcd's {@code range_end}). */
    static String prefixEnd(String prefix) {
        byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xff) {
                bytes[i]++;
                return B64.encodeToString(java.util.Arrays.copyOf(bytes, i + 1));
            }
        }
        return B64.encodeToString(new byte[]{0});
    }

}
