package io.pausectl.cli;

import io.pausectl.api.PauseState;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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
    private static final Duration EXIT = Duration.ofSeconds(40);
    private static final Duration SLACK = FleetFixture.SLACK;
    private static final Duration PACE = Duration.ofMillis(10);

    @TempDir
    Path dir;

    private FleetFixture fleet;

    @AfterEach
    void closeAll() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    private FleetFixture fleet(int etcdMembers) throws IOException {
        fleet = FleetFixture.start(dir, etcdMembers);
        return fleet;
    }

    /**
     * Clients sending GETs with unique X-Req-Ids round-robin through the proxies until stopped, each at most
     * one every {@link #PACE}: requests are in flight whenever the pause begins, and the load leaves the two
     * shared cores to the JVMs the scenario starts (an unpaced loop made pausectl's own start seconds slower).
     */
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
                            HttpResponse<String> r = fleet.send(p.clientUrl(), id).get();
                            answered.put(id, r.statusCode());
                        } catch (ExecutionException e) {
                            answered.put(id, -1);
                        } catch (InterruptedException e) {
                            return;
                        }
                        // A rate, not a wait for a condition.
                        LockSupport.parkNanos(PACE.toNanos());
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

    private boolean nonePaused(List<ProxyProcess> proxies) {
        return proxies.stream().allMatch(p -> {
            try {
                return fleet.status(p).state() != PauseState.PAUSED;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void theFleetPausesAsOneAndNothingIsLostOrDuplicated() throws Exception {
        fleet(1);
        List<ProxyProcess> proxies = fleet.members("a", "b", "c");
        fleet.awaitRunning("a", "b", "c");
        Load load = fleet.keep(new Load(proxies, 6));
        await().atMost(Duration.ofSeconds(20)).until(() -> load.answered.size() >= 30);

        PausectlProcess run = fleet.run(Duration.ofSeconds(5), 7);
        fleet.awaitStarted();
        // The command runs only once every node is paused: nothing reaches the upstream from here on.
        for (ProxyProcess p : proxies) {
            assertThat(fleet.status(p).state()).isEqualTo(PauseState.PAUSED);
        }
        int atStart = fleet.upstream().received();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> proxies.stream()
                .mapToInt(p -> {
                    try {
                        return fleet.status(p).queueDepth();
                    } catch (Exception e) {
                        return 0;
                    }
                }).sum() == 6);
        assertThat(fleet.upstream().received()).as("forwarded during the window").isEqualTo(atStart);
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(7);
        assertThat(run.err()).contains("fleet shop paused", "3 node(s): a, b, c");
        load.stop();
        for (ProxyProcess p : proxies) {
            assertThat(fleet.status(p).state()).isIn(PauseState.RUNNING, PauseState.DRAINING);
        }
        assertThat(load.answered.values()).as("every request answered 200").allMatch(code -> code == 200);
        assertThat(load.answered).hasSize(load.sent.get());
        Map<String, Long> seen = fleet.seenCounts();
        for (String id : load.answered.keySet()) {
            assertThat(seen.get(id)).as("request %s reached the upstream once", id).isEqualTo(1L);
        }
    }

    @Test
    void aSecondControllerIsRefusedWithExit4NamingTheHolder() throws Exception {
        fleet(1).member("a");
        fleet.awaitRunning("a");
        PausectlProcess first = fleet.run(Duration.ofSeconds(5), 0);
        fleet.awaitStarted();
        PausectlProcess second = fleet.pausectl("run", "--reason", "other", "--", "true");
        assertThat(second.waitFor(EXIT)).as(second.err()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(second.err()).contains("fleet shop is already paused", "reason 'add index'", "held by 'pausectl");
        fleet.go();
        assertThat(first.waitFor(EXIT)).as(first.err()).isZero();
    }

    @Test
    void aControllerKilledMidWindowLeavesEveryNodeRunningAboutATtlLater() throws Exception {
        List<ProxyProcess> proxies = fleet(1).members("a", "b");
        fleet.awaitRunning("a", "b");
        Duration ttl = Duration.ofSeconds(3);
        PausectlProcess run = fleet.run(ttl, 0);
        fleet.awaitStarted();
        run.kill();
        long killedAt = System.nanoTime();
        await().atMost(ttl.plus(ttl.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> nonePaused(proxies));
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - killedAt);
        // About a ttl: etcd expires the controller's lease (and with it the intent) after the ttl.
        assertThat(resumedAfter).isGreaterThan(Duration.ofSeconds(1));
    }

    @Test
    void whenEtcdLosesItsQuorumEveryNodeResumesAndPausectlSaysTheWindowWasLost() throws Exception {
        List<ProxyProcess> proxies = fleet(3).members("a", "b");
        fleet.awaitRunning("a", "b");
        Duration ttl = Duration.ofSeconds(3);
        PausectlProcess run = fleet.run(ttl, 0);
        fleet.awaitStarted();
        fleet.etcd().stopMember(1);
        fleet.etcd().stopMember(2);
        await().atMost(ttl.plus(ttl.dividedBy(3)).plus(SLACK)).pollInterval(Duration.ofMillis(50))
                .until(() -> nonePaused(proxies));
        await().atMost(ttl.plus(SLACK)).until(() -> run.err().contains("the fleet window was LOST"));
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("traffic was NOT held for the whole command");
    }

    @Test
    void aProxyStartedDuringTheWindowHoldsItsRequestsAndPausectlSaysItJoined() throws Exception {
        fleet(1).member("a");
        fleet.awaitRunning("a");
        PausectlProcess run = fleet.run(Duration.ofSeconds(5), 0);
        fleet.awaitStarted();
        ProxyProcess late = fleet.member("late");
        var held = fleet.send(late.clientUrl(), "late-1");
        await().atMost(Duration.ofSeconds(15)).until(() -> run.err().contains("node late joined the fleet"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.status(late).queueDepth() == 1);
        assertThat(fleet.status(late).state()).isEqualTo(PauseState.PAUSED);
        assertThat(fleet.upstream().count("late-1")).as("the late node's upstream saw nothing during the window")
                .isZero();
        fleet.go();
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("joined during the window: late");
        assertThat(held.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fleet.upstream().count("late-1")).isEqualTo(1);
    }

    @Test
    void aNodeThatCannotPauseWithinWaitIdleIsNamedAndNothingRuns() throws Exception {
        ProxyProcess a = fleet(1).members("a", "b").get(0);
        fleet.awaitRunning("a", "b");
        var slow = fleet.http().sendAsync(HttpRequest.newBuilder(URI.create(a.clientUrl() + "/park"))
                .header("X-Req-Id", "slow").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.upstream().parked() == 1);
        PausectlProcess run = fleet.pausectl("run", "--ttl", "5s", "--wait-idle", "1s", "--", "touch",
                dir.resolve("started").toString());
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(ExitCodes.NOT_PAUSED);
        assertThat(run.err()).contains("could not pause fleet shop", "not paused within --wait-idle 1s", "a (pausing)",
                "the intent was removed", "the command was NOT run").doesNotContain("b (");
        assertThat(fleet.started()).isFalse();
        fleet.upstream().unpark();
        assertThat(slow.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.status(a).state() == PauseState.RUNNING);
    }
}
