package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Kubernetes sidecar as shipped ({@code deploy/kubernetes/app-with-pause-proxy.yaml}) can be
 * scraped the way the manifest tells Prometheus to (issue 12 item 9: the sidecar set a token, so
 * its {@code prometheus.io/scrape} annotations got 401 from {@code /metrics}). A real pause-proxy
 * starts with the manifest's own arguments and the Secret's token as its mounted file; only
 * addresses are mapped to this machine (listeners on loopback port 0, the app container's port to
 * a test origin, the Secret's mount to a scratch directory). Then every scrape the manifest
 * configures is made as Prometheus makes it: the pod annotations' (no credentials) and each
 * PodMonitor's selecting the pod (its port, path and bearer token from the Secret).
 */
class KubernetesScrapeIntegrationTest {
    private static final Path MANIFEST = Path.of("").toAbsolutePath().getParent()
            .resolve("deploy/kubernetes/app-with-pause-proxy.yaml");
    private static final Pattern LOOPBACK_PORT = Pattern.compile("(127\\.0\\.0\\.1|localhost):(\\d+)");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** One scrape as Prometheus would make it. */
    private record Scrape(String source, int containerPort, String path, String bearerToken) {
    }

    @Test
    void everyScrapeTheManifestConfiguresGetsTheProxysMetrics() throws Exception {
        List<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(MANIFEST.toFile())
                .readAll();
        JsonNode pod = only(docs, "Deployment").path("spec").path("template");
        JsonNode proxy = null;
        Map<Integer, String> appPorts = new HashMap<>();
        for (JsonNode container : pod.path("spec").path("containers")) {
            if (container.path("name").asText().equals("pause-proxy")) {
                proxy = container;
            } else {
                container.path("ports").forEach(p -> appPorts.put(p.path("containerPort").asInt(),
                        container.path("name").asText()));
            }
        }
        assertThat(proxy).as("a container named pause-proxy").isNotNull();
        assertThat(proxy.path("env").isMissingNode() || proxy.path("env").isEmpty())
                .as("this test passes the manifest's args only; teach it env before adding any").isTrue();
        Map<String, Integer> portsByName = new HashMap<>();
        proxy.path("ports").forEach(p -> portsByName.put(p.path("name").asText(), p.path("containerPort").asInt()));
        Map<String, String> mounts = mountedFiles(pod, proxy, docs);

        try (TestUpstream app = new TestUpstream()) {
            // The manifest's args, with addresses mapped to this machine; which container port is
            // which listener is read from the args (--listen's default is the port named http).
            List<String> args = new ArrayList<>();
            Map<Integer, String> listenerByPort = new HashMap<>();
            listenerByPort.put(portsByName.getOrDefault("http", 8080), "client");
            boolean listen = false;
            for (JsonNode a : proxy.path("args")) {
                String arg = a.asText();
                if (arg.startsWith("--listen=") || arg.startsWith("--admin-listen=")) {
                    listen |= arg.startsWith("--listen=");
                    int port = Integer.parseInt(arg.substring(arg.lastIndexOf(':') + 1));
                    listenerByPort.put(port, arg.startsWith("--listen=") ? "client" : "admin");
                    arg = arg.substring(0, arg.indexOf('=') + 1) + "127.0.0.1:0";
                } else {
                    for (Map.Entry<String, String> mount : mounts.entrySet()) {
                        arg = arg.replace(mount.getKey(), mount.getValue());
                    }
                    Matcher m = LOOPBACK_PORT.matcher(arg);
                    if (m.find()) {
                        assertThat(appPorts).as("%s names a port of another container in the pod", arg)
                                .containsKey(Integer.parseInt(m.group(2)));
                        arg = m.replaceAll("127.0.0.1:" + app.port());
                    }
                }
                args.add(arg);
            }
            if (!listen) {
                args.add("--listen=127.0.0.1:0");
            }
            try (ProxyProcess process = ProxyProcess.builder().args(args).start()) {
                List<Scrape> scrapes = scrapes(pod, docs, portsByName);
                assertThat(scrapes).as("the manifest configures a scrape of the sidecar's metrics").isNotEmpty();
                for (Scrape scrape : scrapes) {
                    String listener = listenerByPort.get(scrape.containerPort());
                    assertThat(listener).as("%s scrapes port %d, which no listener of the proxy has", scrape.source(),
                            scrape.containerPort()).isNotNull();
                    InetSocketAddress address = listener.equals("admin") ? process.adminAddress()
                            : process.clientAddress();
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + address.getPort() + scrape.path())).timeout(Duration.ofSeconds(30))
                            .header("Accept", "text/plain;version=0.0.4");
                    if (scrape.bearerToken() != null) {
                        request.header("Authorization", "Bearer " + scrape.bearerToken());
                    }
                    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).as("%s: GET %s", scrape.source(), scrape.path()).isEqualTo(200);
                    assertThat(answer.body()).as(scrape.source()).contains("pauseproxy_queue_depth");
                }
            }
        }
    }

    /**
     * The files the pause-proxy container sees from Secret volumes, written under the scratch
     * directory: a map from each mount path to its scratch copy.
     */
    private Map<String, String> mountedFiles(JsonNode pod, JsonNode container, List<JsonNode> docs) throws Exception {
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode mount : container.path("volumeMounts")) {
            JsonNode volume = null;
            for (JsonNode v : pod.path("spec").path("volumes")) {
                if (v.path("name").asText().equals(mount.path("name").asText())) {
                    volume = v;
                }
            }
            assertThat(volume).as("volume %s", mount.path("name").asText()).isNotNull();
            assertThat(volume.has("secret")).as("only Secret volumes are mapped here").isTrue();
            Map<String, String> data = secretData(docs, volume.path("secret").path("secretName").asText());
            Path local = Files.createDirectories(dir.resolve(mount.path("name").asText()));
            if (volume.path("secret").has("items")) {
                for (JsonNode item : volume.path("secret").path("items")) {
                    Files.writeString(local.resolve(item.path("path").asText()), data.get(item.path("key").asText()));
                }
            } else {
                for (Map.Entry<String, String> e : data.entrySet()) {
                    Files.writeString(local.resolve(e.getKey()), e.getValue());
                }
            }
            mounts.put(mount.path("mountPath").asText(), local.toString());
        }
        return mounts;
    }

    /** A Secret's values, from {@code stringData} or base64 {@code data}. */
    private static Map<String, String> secretData(List<JsonNode> docs, String name) {
        for (JsonNode doc : docs) {
            if (doc.path("kind").asText().equals("Secret") && doc.path("metadata").path("name").asText().equals(name)) {
                Map<String, String> data = new HashMap<>();
                doc.path("stringData").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
                doc.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), new String(
                        Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
                return data;
            }
        }
        return fail("no Secret named %s in %s", name, MANIFEST);
    }

    /** The scrapes the manifest configures for the pod: annotation-driven, and each matching PodMonitor's. */
    private static List<Scrape> scrapes(JsonNode pod, List<JsonNode> docs, Map<String, Integer> portsByName) {
        List<Scrape> scrapes = new ArrayList<>();
        JsonNode annotations = pod.path("metadata").path("annotations");
        if (annotations.path("prometheus.io/scrape").asText().equals("true")) {
            // The common kubernetes-pods job: prometheus.io/port and /path, and no credentials.
            assertThat(annotations.has("prometheus.io/port")).as("prometheus.io/port").isTrue();
            scrapes.add(new Scrape("the pod's prometheus.io annotations",
                    Integer.parseInt(annotations.path("prometheus.io/port").asText()),
                    annotations.path("prometheus.io/path").asText("/metrics"), null));
        }
        JsonNode labels = pod.path("metadata").path("labels");
        for (JsonNode doc : docs) {
            if (!doc.path("kind").asText().equals("PodMonitor") || !selects(doc.path("spec").path("selector"), labels)) {
                continue;
            }
            for (JsonNode endpoint : doc.path("spec").path("podMetricsEndpoints")) {
                String port = endpoint.path("port").asText();
                assertThat(portsByName).as("PodMonitor port %s", port).containsKey(port);
                JsonNode secret = endpoint.has("bearerTokenSecret") ? endpoint.path("bearerTokenSecret")
                        : endpoint.path("authorization").path("credentials");
                String token = secret.isMissingNode() ? null
                        : secretData(docs, secret.path("name").asText()).get(secret.path("key").asText());
                scrapes.add(new Scrape("PodMonitor " + doc.path("metadata").path("name").asText(),
                        portsByName.get(port), endpoint.path("path").asText("/metrics"), token));
            }
        }
        return scrapes;
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        assertThat(selector.has("matchExpressions")).as("only matchLabels selectors are understood here").isFalse();
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode only(List<JsonNode> docs, String kind) {
        List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertThat(found).as("one %s in %s", kind, MANIFEST).hasSize(1);
        return found.get(0);
    }
}
