package io.pausectl.fleet;

import io.pausectl.testkit.etcd.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The etcd client against a real etcd: leases, create-if-absent, linearizable reads, watches. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EtcdClientProcessTest {
    private static EtcdCluster cluster;
    private static EtcdClient etcd;

    @BeforeAll
    static void start() throws Exception {
        cluster = EtcdCluster.start(1);
        etcd = new EtcdClient(cluster.clientUrls(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void createIfAbsentCreatesOnceAndNamesTheKeyThatExists() throws Exception {
        long lease = etcd.grantLease(Duration.ofSeconds(10));
        assertThat(etcd.createIfAbsent("/t/once", "first", lease)).isEmpty();
        Optional<KeyValue> existing = etcd.createIfAbsent("/t/once", "second", lease);
        assertThat(existing).isPresent();
        assertThat(existing.get().value()).isEqualTo("first");
        assertThat(existing.get().lease()).isEqualTo(lease);
        assertThat(etcd.get("/t/once").orElseThrow().value()).isEqualTo("first");
    }

    @Test
    void aRevokedLeaseTakesItsKeysAndKeepAliveSaysItIsGone() throws Exception {
        long lease = etcd.grantLease(Duration.ofSeconds(5));
        assertThat(etcd.keepAlive(lease)).isBetween(1L, 5L);
        etcd.put("/t/leased", "v", lease);
        etcd.revoke(lease);
        assertThat(etcd.get("/t/leased")).isEmpty();
        assertThat(etcd.keepAlive(lease)).isLessThanOrEqualTo(0L);
        etcd.revoke(lease); // already gone: no error
    }

    @Test
    void deleteIfCreatedAtLeavesAKeyCreatedSince() throws Exception {
        etcd.put("/t/mine", "a", 0);
        long created = etcd.get("/t/mine").orElseThrow().createRevision();
        assertThat(etcd.deleteIfCreatedAt("/t/mine", created)).isTrue();
        etcd.put("/t/mine", "b", 0);
        assertThat(etcd.deleteIfCreatedAt("/t/mine", created)).isFalse();
        assertThat(etcd.get("/t/mine").orElseThrow().value()).isEqualTo("b");
    }

    @Test
    void aPrefixWatchSeesPutsAndDeletesInOrder() throws Exception {
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        BlockingQueue<Exception> ends = new LinkedBlockingQueue<>();
        etcd.put("/t/w/before", "0", 0);
        long revision = etcd.getPrefix("/t/w/").revision();
        try (EtcdClient.Watch ignored = etcd.watch("/t/w/", true, revision + 1, events::add, ends::add)) {
            etcd.put("/t/w/a", "1", 0);
            etcd.put("/t/wx", "not under the prefix", 0);
            etcd.put("/t/w/b", "2", 0);
            etcd.deleteIfCreatedAt("/t/w/a", etcd.get("/t/w/a").orElseThrow().createRevision());
            List<WatchEvent> seen = List.of(take(events), take(events), take(events));
            assertThat(seen).extracting(e -> e.kv().key() + (e.deleted() ? " deleted" : "=" + e.kv().value()))
                    .containsExactly("/t/w/a=1", "/t/w/b=2", "/t/w/a deleted");
        }
        assertThat(ends).isEmpty();
        assertThat(etcd.getPrefix("/t/w/").kvs()).extracting(KeyValue::key).containsExactly("/t/w/b", "/t/w/before");
    }

    @Test
    void badEndpointsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> new EtcdClient(List.of("https://x:2379"), Duration.ofSeconds(1)))
                .hasMessageContaining("'https://x:2379'");
        assertThatThrownBy(() -> new EtcdClient(List.of(" "), Duration.ofSeconds(1)))
                .hasMessageContaining("no etcd endpoint");
    }

    @Test
    void withoutAQuorumAReadFailsWithinTheCallTimeoutInsteadOfAnsweringStale() throws Exception {
        try (EtcdCluster three = EtcdCluster.start(3)) {
            EtcdClient client = new EtcdClient(three.clientUrls(), Duration.ofSeconds(1));
            client.put("/t/q", "v", 0);
            assertThat(client.get("/t/q")).isPresent();
            three.stopMember(1);
            three.stopMember(2);
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.get("/t/q")).isInstanceOf(EtcdException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1900));
        }
    }

    private static WatchEvent take(BlockingQueue<WatchEvent> events) throws InterruptedException {
        WatchEvent e = events.poll(5, TimeUnit.SECONDS);
        assertThat(e).as("a watch event within 5 s").isNotNull();
        return e;
    }
}
