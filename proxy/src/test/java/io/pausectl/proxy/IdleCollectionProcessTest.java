package io.pausectl.proxy;

import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real proxy with the launcher's JVM defaults (the serial collector): idle after start-up, which
 * promoted megabytes to the old generation, it collects it once (a full collection its GC log
 * names {@code System.gc()}), counts it in {@code pauseproxy_idle_collections_total}, and does not
 * collect again while it stays idle; with explicit collections disabled it never does.
 *
 * <p>The heap starts at 32 MiB here instead of 16: on the test class path start-up leaves about
 * 10 MiB live, and with the 8 MiB old generation of the defaults it could end in a full collection
 * of its own (allocation failure), after which too little is promoted for an idle one.
 */
class IdleCollectionProcessTest {
    private static final String IDLE_COLLECTION = "Pause Full (System.gc())";

    @Test
    void anIdleProxyCollectsItsOldGenerationOnceAndNotAgainWhileIdle() throws Exception {
        Queue<String> gcLog = new ConcurrentLinkedQueue<>();
        try (TestUpstream upstream = new TestUpstream();
             ProxyProcess proxy = start(upstream, List.of("-Xlog:gc:stdout", "-Xms32m"), gcLog)) {
            assertThat(proxy.isAlive()).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> idleCollections(gcLog) == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> idleCollections(gcLog) == 1);
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(proxy.adminUrl()).resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body().lines()).contains("pauseproxy_idle_collections_total 1.0");
        }
    }

    @Test
    void withExplicitCollectionsDisabledItNeverCollects() throws Exception {
        Queue<String> gcLog = new ConcurrentLinkedQueue<>();
        try (TestUpstream upstream = new TestUpstream();
             ProxyProcess proxy = start(upstream, List.of("-Xlog:gc:stdout", "-Xms32m", "-XX:+DisableExplicitGC"), gcLog)) {
            assertThat(proxy.isAlive()).isTrue();
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                    .until(() -> idleCollections(gcLog) == 0);
        }
    }

    private static ProxyProcess start(TestUpstream upstream, List<String> jvmOptions, Queue<String> out)
            throws Exception {
        return ProxyProcess.builder()
                .args(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--upstream", upstream.url()))
                .jvmOptions(jvmOptions)
                .output(out::add)
                .start();
    }

    private static long idleCollections(Queue<String> gcLog) {
        return gcLog.stream().filter(l -> l.contains(IDLE_COLLECTION)).count();
    }
}
