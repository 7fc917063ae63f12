package io.pausectl.testkit.etcd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The etcd fixture starts real members, loses the quorum when told, and the relay partitions and heals. */
class EtcdClusterProcessTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private static HttpResponse<String> put(String base, String key, String value) throws Exception {
        String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v3/kv/put")).timeout(Duration.ofSeconds(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void threeMembersServeLoseTheQuorumWhenTwoStopAndStopByPid() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(3)) {
            assertEquals(3, cluster.clientUrls().size());
            assertEquals(200, put(cluster.clientUrl(1), "/k", "v").statusCode());
            cluster.stopMember(1);
            cluster.killMember(2);
            assertFalse(cluster.alive(1));
            assertFalse(cluster.alive(2));
            // Alone, the last member has no quorum: a write does not commit.
            assertThrows(HttpTimeoutException.class, () -> put(cluster.clientUrl(0), "/k", "w"));
            long pid = cluster.pid(0);
            cluster.close();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theRelayForwardsGoesSilentWhenBlackholedAndRelaysAgainAfterTheHeal() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(1); TcpRelay relay = TcpRelay.start(cluster.clientPort(0))) {
            assertEquals(200, put(relay.url(), "/k", "1").statusCode());
            relay.blackhole();
            HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            assertThrows(HttpTimeoutException.class, () -> fresh.send(HttpRequest.newBuilder(
                    URI.create(relay.url() + "/health")).timeout(Duration.ofMillis(700)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            relay.heal();
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(relay.url() + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(health.body().contains("true"), health.body());
        }
    }

    @Test
    void unavailableReasonIsNullWhereEtcdIsInstalled() {
        // CI installs etcd-server (.ci/run); on a machine without it this names what is missing.
        String reason = EtcdCluster.unavailableReason();
        assertTrue(reason == null || reason.contains("etcd"), String.valueOf(reason));
    }
}
