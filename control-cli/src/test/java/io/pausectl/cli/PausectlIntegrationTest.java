package io.pausectl.cli;

import io.pausectl.testkit.http.TestUpstream;
import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * pausectl as its own process against real pause-proxy processes in front of a real upstream: what
 * a user of {@code pausectl run} relies on, signals and crashes included.
 */
class PausectlIntegrationTest {
    private static final Duration EXIT = Duration.ofSeconds(60);
    /**
     * How long the test's own status call waits for the proxy's answer, and a wait for the state it
     * polls: CI is one 2-core machine running the whole suite, where 5 s was seen to pass (load 18).
     */
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SLOW_HOST = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private TestUpstream upstream;
    private final List<ProxyProcess> proxies = new ArrayList<>();
    private final List<PausectlProcess> pausectls = new ArrayList<>();

    /** The migration stand-in; ended after each test even when the pausectl that ran it was SIGKILLed. */
    private WaitingCommand command;

    @BeforeEach
    void startUpstream() throws IOException {
        command = new WaitingCommand(dir);
        upstream = new TestUpstream();
    }

    @AfterEach
    void stopAll() throws IOException {
        pausectls.forEach(PausectlProcess::close);
        proxies.forEach(ProxyProcess::close);
        upstream.close();
        command.close();
    }

    private ProxyProcess proxy() throws IOException {
        ProxyProcess proxy = ProxyProcess.builder()
                .args(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(), "--admin-listen", "127.0.0.1:0"))
                .start();
        proxies.add(proxy);
        return proxy;
    }

    private PausectlProcess pausectl(String... args) throws IOException {
        PausectlProcess p = PausectlProcess.start(dir.resolve("logs"), List.of(args));
        pausectls.add(p);
        return p;
    }

    private static Status status(ProxyProcess proxy) throws Exception {
        try (AdminApiTarget admin = new AdminApiTarget(proxy.adminUrl(), Optional.empty(), STATUS_TIMEOUT)) {
            return admin.status();
        }
    }

    /** A command that records its pid, waits until the test creates {@code go}, touches {@code ran}, exits with code. */
    private String[] migration(int code) {
        return command.argv(code).toArray(new String[0]);
    }

    private String[] args(List<String> options, String... command) {
        List<String> all = new ArrayList<>(options);
        all.add("--");
        all.addAll(List.of(command));
        return all.toArray(new String[0]);
    }

    private boolean ran() {
        return command.ran();
    }

    private long commandPid() throws IOException {
        return command.lastPid();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aRunWindowUnderSteadyLoadFailsNoRequestAndKeepsTheCommandsExitCode() throws Exception {
        ProxyProcess proxy = proxy();
        try (SteadyLoad load = new SteadyLoad(proxy.clientUrl(), 4)) {
            await().atMost(SLOW_HOST).until(() -> load.ok.get() >= 50);
            PausectlProcess run = pausectl(args(List.of("run", "--target", proxy.adminUrl(), "--reason", "add index"),
                    migration(7)));
            // Every client ends up held behind the pause while the command runs.
            await().atMost(SLOW_HOST).until(() -> status(proxy).queueDepth() == 4);
            Status paused = status(proxy);
            assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
            assertThat(paused.lease().reason()).isEqualTo("add index");
            assertThat(ran()).isFalse();
            command.go();

            assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(7);
            assertThat(ran()).isTrue();
            long okAfterWindow = load.ok.get();
            await().atMost(SLOW_HOST).until(() -> load.ok.get() >= okAfterWindow + 50);
            load.stop();
            assertThat(load.failed.get()).as("failures: %s", load.failures).isZero();
            assertThat(load.heldByPause.get()).isGreaterThanOrEqualTo(4);
            assertThat(run.err()).contains("pausectl: paused " + proxy.adminUrl() + " (lease ",
                    "traffic was paused for", "held 4 requests (max depth 4); released 4, timed out 0",
                    "the command exited with code 7");
            Status after = status(proxy);
            assertThat(after.state()).isEqualTo(PauseState.RUNNING);
            assertThat(after.lease()).isNull();
        }
    }

    /** Issue 10 fault 1: an overflowing --ttl reached the proxy, left it pausing for ever, and exited 3. */
    @Test
    void anOverflowingDurationIsAUsageErrorBeforeAnythingIsPaused() throws Exception {
        ProxyProcess proxy = proxy();
        List<List<String>> calls = List.of(
                List.of("pause", "--target", proxy.adminUrl(), "--ttl", "9999999h"),
                List.of("pause", "--target", proxy.adminUrl(), "--ttl", "9223372037s"),
                List.of("pause", "--target", proxy.adminUrl(), "--wait-idle", "9999999h"),
                List.of("run", "--target", proxy.adminUrl(), "--ttl", "9999999h", "--", "true"),
                List.of("run", "--target", proxy.adminUrl(), "--max-pause", "9223372037s", "--", "true"));
        for (List<String> call : calls) {
            PausectlProcess p = pausectl(call.toArray(new String[0]));
            assertThat(p.waitFor(EXIT)).as(call + ": " + p.err()).isEqualTo(2);
            assertThat(p.err()).as(call.toString()).contains("is too long: at most").doesNotContain("Exception");
            Status s = status(proxy);
            assertThat(s.state()).as(call.toString()).isEqualTo(PauseState.RUNNING);
            assertThat(s.lease()).isNull();
        }
        PausectlProcess goSyntax = pausectl("pause", "--target", proxy.adminUrl(), "--ttl", "1m30s",
                "--wait-idle", "1.5s", "--allow-queue-timeout"); // 90 s is past the 30 s queue timeout
        assertThat(goSyntax.waitFor(EXIT)).as(goSyntax.err()).isZero();
        Status paused = status(proxy);
        assertThat(Duration.between(java.time.Instant.now(), paused.lease().expiresAt()))
                .isBetween(Duration.ofSeconds(60), Duration.ofSeconds(91));
        PausectlProcess resume = pausectl("resume", "--target", proxy.adminUrl(), "--force");
        assertThat(resume.waitFor(EXIT)).as(resume.err()).isZero();
    }

    @Test
    void theJsonSummaryFollowsTheCommandsOwnOutputOnStdout() throws Exception {
        ProxyProcess proxy = proxy();
        PausectlProcess run = pausectl(args(List.of("run", "--target", proxy.adminUrl(), "-o", "json"),
                "sh", "-c", "echo migrating; exit 0"));
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(0);
        String[] lines = run.out().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).isEqualTo("migrating");
        JsonNode summary = Json.lenient().readTree(lines[1]);
        assertThat(summary.at("/exitCode").asInt()).isZero();
        assertThat(summary.at("/targets/0/target").asText()).isEqualTo(proxy.adminUrl());
        assertThat(summary.at("/targets/0/resumed").asBoolean()).isTrue();
        assertThat(run.err()).contains("traffic was paused for");
    }

    @Test
    void anUnreachableTargetIsExit3AndTheCommandNeverRuns() throws Exception {
        PausectlProcess run = pausectl(args(List.of("run", "--target", "http://127.0.0.1:" + closedPort()), "sh", "-c", "touch \"$1/ran\"", "sh", dir.toString()));
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(3);
        assertThat(ran()).isFalse();
        assertThat(run.err()).contains("could not pause every target; the command was NOT run", "cannot connect");
    }

    @Test
    void aFleetWithOneTargetDownIsExit3AndTheOthersAreResumed() throws Exception {
        ProxyProcess a = proxy();
        ProxyProcess b = proxy();
        String down = "http://127.0.0.1:" + closedPort();
        PausectlProcess run = pausectl(args(List.of("run", "--target", a.adminUrl(), "--target", down,
                "--target", b.adminUrl()), "sh", "-c", "touch \"$1/ran\"", "sh", dir.toString()));
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(3);
        assertThat(ran()).isFalse();
        for (ProxyProcess proxy : List.of(a, b)) {
            Status s = status(proxy);
            assertThat(s.state()).isEqualTo(PauseState.RUNNING);
            assertThat(s.lease()).isNull();
            assertThat(s.counters().pausesResumed()).as("paused, then resumed by pausectl; its stderr:%n%s", run.err())
                    .isEqualTo(1);
        }
        assertThat(run.err()).contains(down + ": cannot connect", "resumed again: " + a.adminUrl() + ", " + b.adminUrl());
    }

    @Test
    void sigtermToPausectlStopsTheCommandAndResumesTraffic() throws Exception {
        ProxyProcess proxy = proxy();
        PausectlProcess run = pausectl(args(List.of("run", "--target", proxy.adminUrl()), migration(0)));
        await().atMost(SLOW_HOST).until(() -> command.started()
                && status(proxy).state() == PauseState.PAUSED);
        long command = commandPid();
        run.terminate();
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(128 + 15);
        assertThat(ProcessHandle.of(command).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ran()).isFalse();
        Status after = status(proxy);
        assertThat(after.lease()).isNull();
        assertThat(after.counters().pausesResumed()).isEqualTo(1);
        assertThat(run.err()).contains("SIGTERM: sending SIGTERM to the command", "traffic was paused for");
    }

    @Test
    void sigintToPausectlAloneReachesTheCommandThenTrafficResumes() throws Exception {
        ProxyProcess proxy = proxy();
        PausectlProcess run = pausectl(args(List.of("run", "--target", proxy.adminUrl()), migration(0)));
        await().atMost(SLOW_HOST).until(() -> command.started()
                && status(proxy).state() == PauseState.PAUSED);
        long command = commandPid();
        // As `kill -INT` from a script: unlike a terminal's Ctrl-C, only pausectl gets it.
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(run.pid())).start();
        assertThat(kill.waitFor()).isZero();
        int code = run.waitFor(EXIT);
        assertThat(code).as(run.err()).isEqualTo(128 + 2);
        assertThat(ProcessHandle.of(command).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ran()).isFalse();
        assertThat(status(proxy).lease()).isNull();
        assertThat(run.err()).contains("SIGINT: waiting for the command to stop",
                "the command still runs: sending it SIGINT", "traffic was paused for");
    }

    @Test
    void whenPausectlIsKilledTheProxyResumesByItselfWithinTheLease() throws Exception {
        ProxyProcess proxy = proxy();
        PausectlProcess run = pausectl(args(List.of("run", "--target", proxy.adminUrl(), "--ttl", "2s"),
                migration(0)));
        await().atMost(SLOW_HOST).until(() -> command.started()
                && status(proxy).state() == PauseState.PAUSED);
        long killedAt = System.nanoTime();
        run.kill();
        await().atMost(SLOW_HOST).until(() -> status(proxy).state() == PauseState.RUNNING);
        Duration resumedAfter = Duration.ofNanos(System.nanoTime() - killedAt);
        // The 2 s lease ended it (pausesExpired below), long before anything else would (queue timeout 30 s,
        // max-pause 60 s); the margin is the status calls' on a loaded host.
        assertThat(resumedAfter).isLessThan(Duration.ofSeconds(20));
        Status after = status(proxy);
        assertThat(after.lease()).isNull();
        assertThat(after.counters().pausesExpired()).isEqualTo(1);
    }

    @Test
    void pausingTwiceIsExit4() throws Exception {
        ProxyProcess proxy = proxy();
        PausectlProcess first = pausectl("pause", "--target", proxy.adminUrl(), "--ttl", "30s");
        assertThat(first.waitFor(EXIT)).as(first.err()).isEqualTo(0);
        assertThat(first.out()).contains("resume with: pausectl --target " + proxy.adminUrl() + " resume --lease ");
        PausectlProcess second = pausectl("pause", "--target", proxy.adminUrl());
        assertThat(second.waitFor(EXIT)).isEqualTo(4);
        assertThat(second.err()).contains(proxy.adminUrl() + ": already paused by lease held by ");

        String lease = status(proxy).lease().id();
        PausectlProcess resume = pausectl("resume", "--target", proxy.adminUrl(), "--lease", lease);
        assertThat(resume.waitFor(EXIT)).as(resume.err()).isEqualTo(0);
        assertThat(status(proxy).lease()).isNull();
    }
}
