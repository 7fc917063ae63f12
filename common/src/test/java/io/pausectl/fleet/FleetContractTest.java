package io.pausectl.fleet;

import io.pausectl.api.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The keys and values of a fleet in etcd, as the proxy and pausectl both read them. */
class FleetContractTest {
    @Test
    void keysAreVersionedUnderTheFleetAndNamesAreChecked() {
        FleetKeys keys = FleetKeys.of("shop-eu");
        assertThat(keys.intent()).isEqualTo("/pausectl/v1/shop-eu/intent");
        assertThat(keys.node("web-0")).isEqualTo("/pausectl/v1/shop-eu/nodes/web-0");
        assertThat(keys.nodeOf("/pausectl/v1/shop-eu/nodes/web-0")).isEqualTo("web-0");
        assertThat(keys.nodeOf("/pausectl/v1/shop-eu/intent")).isNull();
        assertThatThrownBy(() -> FleetKeys.of("a/b")).hasMessageContaining("fleet name 'a/b'");
        assertThatThrownBy(() -> FleetKeys.checkName("node", "")).hasMessageContaining("node name ''");
    }

    @Test
    void anIntentAndAReportSurviveTheirJson() {
        Intent intent = new Intent("id1", "ops@h", "migrate", "3s", "2s",
                new Scope(List.of("POST"), List.of("/api"), List.of()), Instant.parse("2026-01-01T00:00:00Z"));
        Intent back = Intent.fromJson(intent.toJson());
        assertThat(back).isEqualTo(intent);
        assertThat(back.ttlDuration()).isEqualTo(Duration.ofSeconds(3));
        NodeReport report = new NodeReport("web-0", NodeReport.PAUSED, "id1", 4, "", Instant.EPOCH);
        assertThat(NodeReport.fromJson(report.toJson())).isEqualTo(report);
        assertThat(report.pausedFor("id1")).isTrue();
        assertThat(report.runningAfter("id1")).isFalse();
        assertThatThrownBy(() -> Intent.fromJson("{\"id\":\"x\"}")).hasMessageContaining("not a pause intent");
        assertThatThrownBy(() -> Intent.fromJson("{\"id\":\"x\",\"ttl\":\"forever\",\"waitIdle\":\"1s\"}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRunningNodeNamesTheIntentOnlyWhenANoteSaysWhyItDoesNotHold() {
        assertThat(NodeReport.now("web-0", NodeReport.PAUSED, "id1", 2, "").intent()).isEqualTo("id1");
        assertThat(NodeReport.now("web-0", NodeReport.PAUSING, "id1", 0, "").intent()).isEqualTo("id1");
        assertThat(NodeReport.now("web-0", NodeReport.RUNNING, "id1", 0, "").intent()).isNull();
        NodeReport capped = NodeReport.now("web-0", NodeReport.RUNNING, "id1", 0, "max-pause reached");
        assertThat(capped.intent()).isEqualTo("id1");
        assertThat(capped.runningAfter("id1")).isTrue();
    }
}
