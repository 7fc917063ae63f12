package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import io.pausectl.api.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TargetLimitsTest}'s promises over real sockets (issue 12 item 2): a real pause-proxy
 * process reports its limits in {@code /v1/status}, and the real CLI (its own process) checks a
 * pause against them before anything is paused: a {@code --max-pause} above the proxy's
 * {@code --queue-timeout} is refused (exit 2) unless {@code --allow-queue-timeout}, which goes ahead
 * loudly; a {@code --ttl} above its {@code --max-pause} is refused even then; {@code pause} without
 * {@code --ttl} takes the queue timeout. Before the limits existed, each of these paused (or,
 * beyond max-pause, was capped without a word).
 */
class TargetLimitsIntegrationTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ProxyCliFixture fixture;

    @BeforeEach
    void start() throws IOException {
        fixture = ProxyCliFixture.start(dir, "--queue-timeout", "8s", "--max-pause", "1m", "--max-queued", "500",
                "--max-queued-bytes", "1MiB");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private PausectlProcess pausectl(String... args) throws Exception {
        PausectlProcess p = fixture.pausectl(args);
        p.waitFor(EXIT);
        return p;
    }

    private Status status() throws Exception {
        return fixture.status();
    }

    /** Nothing was ever paused on the proxy. */
    private void assertNeverPaused() throws Exception {
        Status s = status();
        assertThat(s.lease()).isNull();
        assertThat(s.counters().pausesResumed() + s.counters().pausesExpired()).isZero();
    }

    @Test
    void theStatusReportsTheProxysLimits() throws Exception {
        PausectlProcess json = pausectl("-o", "json", "status");
        assertThat(json.waitFor(EXIT)).as(json.err()).isZero();
        JsonNode limits = Json.lenient().readTree(json.out()).get("targets").get(0).get("status").get("limits");
        assertThat(limits.get("queueTimeoutMs").asLong()).isEqualTo(8_000);
        assertThat(limits.get("maxPauseMs").asLong()).isEqualTo(60_000);
        assertThat(limits.get("maxQueued").asInt()).isEqualTo(500);
        assertThat(limits.get("maxQueuedBytes").asLong()).isEqualTo(1L << 20);
    }

    @Test
    void aMaxPauseAboveTheQueueTimeoutIsRefusedBeforeAnythingIsPaused() throws Exception {
        PausectlProcess run = pausectl("run", "--max-pause", "20s", "--", "true");
        assertThat(run.waitFor(EXIT)).as(run.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--max-pause 20s is longer than " + fixture.proxy().adminUrl() + "'s --queue-timeout 8s",
                "--allow-queue-timeout", "(nothing was paused)");
        assertNeverPaused();
        assertThat(fixture.upstream().received()).isZero();

        PausectlProcess pause = pausectl("pause", "--ttl", "20s");
        assertThat(pause.waitFor(EXIT)).as(pause.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(pause.err()).contains("--ttl 20s is longer than", "--queue-timeout 8s");
        assertNeverPaused();
    }

    @Test
    void withAllowQueueTimeoutItGoesAheadLoudly() throws Exception {
        PausectlProcess run = pausectl("run", "--max-pause", "20s", "--allow-queue-timeout", "--", "true");
        assertThat(run.waitFor(EXIT)).as(run.err()).isZero();
        assertThat(run.err()).contains("WARNING: --max-pause 20s is longer than " + fixture.proxy().adminUrl()
                + "'s --queue-timeout 8s");
        Status s = status();
        assertThat(s.counters().pausesResumed()).isEqualTo(1);
        assertThat(s.lease()).isNull();
    }

    @Test
    void aTtlAboveTheProxysMaxPauseIsRefusedEvenWhenAllowed() throws Exception {
        PausectlProcess pause = pausectl("pause", "--ttl", "10m", "--allow-queue-timeout");
        assertThat(pause.waitFor(EXIT)).as(pause.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(pause.err()).contains("--ttl 10m is longer than " + fixture.proxy().adminUrl() + "'s --max-pause 1m",
                "(nothing was paused)");
        assertNeverPaused();
    }

    @Test
    void pauseWithoutTtlTakesTheQueueTimeout() throws Exception {
        Instant before = Instant.now();
        PausectlProcess pause = pausectl("pause", "--reason", "limits");
        assertThat(pause.waitFor(EXIT)).as(pause.err()).isZero();
        Instant after = Instant.now();
        Status s = status();
        assertThat(s.lease()).isNotNull();
        // The lease ends 8 s after the proxy took it, which was between our two readings of the clock.
        assertThat(s.lease().expiresAt()).isBetween(before.plusSeconds(8).minusMillis(1_000),
                after.plusSeconds(8).plusMillis(1_000));
        PausectlProcess resume = pausectl("resume", "--force");
        assertThat(resume.waitFor(EXIT)).as(resume.err()).isZero();
    }
}
