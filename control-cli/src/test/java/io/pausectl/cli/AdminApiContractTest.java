package io.pausectl.cli;

import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.proxy.admin.AdminServer;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client and the commands against the proxy's real admin API server and pause gate, in this
 * JVM: proves both sides read each other (fields, durations, status codes) without a whole proxy.
 */
class AdminApiContractTest {
    private static final String TOKEN = "contract-token";

    private QueueingPauseGate gate;
    private AdminServer admin;
    private String url;

    @BeforeEach
    void start() throws Exception {
        ProxyMetrics metrics = ProxyMetrics.prometheus();
        gate = QueueingPauseGate.start(new GateSettings(100, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                16, 0, List.of("/healthz")), metrics);
        admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.of(TOKEN), gate, metrics);
        url = "http://127.0.0.1:" + admin.start().getPort();
    }

    @AfterEach
    void stop() {
        gate.shutdown().syncUninterruptibly();
        admin.stop().syncUninterruptibly();
        gate.close().syncUninterruptibly();
    }

    private AdminApiTarget target(String token) {
        return new AdminApiTarget(url, Optional.ofNullable(token), Duration.ofSeconds(5));
    }

    @Test
    void leaseLifecycle() throws Exception {
        try (AdminApiTarget target = target(TOKEN)) {
            assertThat(target.status().state()).isEqualTo(PauseState.RUNNING);
            Status paused = target.pause(new PauseSpec("add index", "pausectl/t@h:1", Duration.ofSeconds(30),
                    Duration.ofSeconds(2), new Scope(List.of("POST"), List.of(), List.of())));
            assertThat(paused.state()).isEqualTo(PauseState.PAUSED);
            assertThat(paused.lease().reason()).isEqualTo("add index");
            assertThat(paused.lease().holder()).isEqualTo("pausectl/t@h:1");
            assertThat(paused.lease().scope().methods()).containsExactly("POST");
            String lease = paused.lease().id();

            assertThatThrownBy(() -> target.pause(new PauseSpec("again", "other", Duration.ofSeconds(30),
                    Duration.ZERO, Scope.ALL))).isInstanceOf(ConflictException.class);
            assertThat(target.renew(lease, Duration.ofSeconds(60)).lease().expiresAt())
                    .isAfter(paused.lease().expiresAt());
            assertThatThrownBy(() -> target.renew("not-" + lease, Duration.ofSeconds(5)))
                    .isInstanceOf(LeaseGoneException.class);

            Status resumed = target.resume(lease);
            assertThat(resumed.state()).isIn(PauseState.DRAINING, PauseState.RUNNING);
            assertThatThrownBy(() -> target.resume(lease)).isInstanceOf(LeaseGoneException.class);
            assertThat(target.status().counters().pausesResumed()).isEqualTo(1);
        }
    }

    @Test
    void forceResumeEndsAnyPause() throws Exception {
        try (AdminApiTarget target = target(TOKEN)) {
            target.pause(new PauseSpec("r", "h", Duration.ofSeconds(30), Duration.ofSeconds(1), Scope.ALL));
            target.resume(null);
            assertThat(target.status().lease()).isNull();
        }
    }

    @Test
    void aWrongTokenIsRefusedClearly() {
        try (AdminApiTarget target = target("wrong")) {
            assertThatThrownBy(target::status).hasMessageStartingWith(url + ": token refused (HTTP 401)");
        }
    }

    @Test
    void theCommandsDriveTheRealAdminApi() {
        CliHarness cli = new CliHarness();
        cli.realTargets = true;
        cli.env.put("PAUSECTL_TOKEN", TOKEN);
        assertThat(cli.run("pause", "--target", url, "--ttl", "30s", "--reason", "contract")).as(cli.err()).isEqualTo(0);
        assertThat(cli.run("pause", "--target", url)).isEqualTo(4);
        assertThat(cli.err()).contains(url + ": already paused by lease held by ");
        assertThat(cli.run("status", "--target", url)).isEqualTo(0);
        assertThat(cli.out()).contains(url + ": paused", "reason \"contract\"");
        assertThat(cli.run("resume", "--target", url, "--force")).isEqualTo(0);
        assertThat(cli.run("run", "--target", url, "--", "true")).as(cli.err()).isEqualTo(0);
        assertThat(cli.err()).contains("traffic was paused for", "held 0 requests");
    }
}
