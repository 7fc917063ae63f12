package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class StatusCommandTest {
    private final CliHarness cli = new CliHarness();

    @Test
    void showsStateHeldLeaseAndTotals() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("pause", "--target", "http://a:1", "--reason", "add index")).isEqualTo(0);
        a.hold(4);
        assertThat(cli.run("status", "--target", "http://a:1")).isEqualTo(0);
        assertThat(cli.out()).contains("http://a:1: paused", "held now      4 (oldest 1.5s, 1200B), max depth 4",
                "lease         " + a.leaseId() + " held by pausectl/test@host:1, reason \"add index\"",
                "paused since", "totals        held 4: released 0");
    }

    @Test
    void jsonIsTheStatusObjectPerTarget() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        cli.run("pause", "--target", "http://a:1");
        a.hold(2);
        assertThat(cli.run("status", "--target", "http://a:1", "-o", "json")).isEqualTo(0);
        String last = lastLine(cli.out());
        JsonNode json = Json.lenient().readTree(last);
        assertThat(json.at("/targets/0/target").asText()).isEqualTo("http://a:1");
        assertThat(json.at("/targets/0/status/state").asText()).isEqualTo("paused");
        assertThat(json.at("/targets/0/status/queueDepth").asInt()).isEqualTo(2);
        assertThat(json.at("/targets/0/status/lease/id").asText()).isEqualTo(a.leaseId());
        assertThat(json.at("/targets/0/error").isNull()).isTrue();
    }

    @Test
    void anUnreachableTargetIsShownAndExits1() {
        cli.target("http://a:1");
        cli.target("http://down:2").unreachable(true);
        assertThat(cli.run("status", "--target", "http://a:1,http://down:2")).isEqualTo(1);
        assertThat(cli.out()).contains("http://a:1: running", "http://down:2: UNREACHABLE",
                "http://down:2: cannot connect");
    }

    @Test
    void watchRefreshesOneLinePerTarget() {
        cli.target("http://a:1");
        cli.target("http://b:2");
        assertThat(cli.run("status", "--target", "http://a:1,http://b:2", "--watch", "--interval", "100ms",
                "--count", "3")).isEqualTo(0);
        String[] lines = cli.out().split("\n");
        assertThat(lines).hasSize(6);
        assertThat(lines[0]).matches("\\d\\d:\\d\\d(:\\d\\d)?  http://a:1  running  held 0  oldest 0ms  in flight 0"
                + "  max depth 0  released 0  timed out 0  rejected 0");
        assertThat(lines[5]).contains("http://b:2  running");
    }

    @Test
    void watchShowsTheLeaseWhilePaused() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("pause", "--target", "http://a:1", "--ttl", "90s")).isEqualTo(0);
        a.hold(2);
        assertThat(cli.run("status", "--target", "http://a:1", "--watch", "--count", "1")).isEqualTo(0);
        assertThat(cli.out()).containsPattern("http://a:1  paused  held 2  oldest 1.5s  in flight 0  max depth 2"
                + "  released 0  timed out 0  rejected 0  lease " + a.leaseId() + " by pausectl/test@host:1"
                + " ends in 1m2\\ds");
    }

    @Test
    void watchAsJsonIsOneObjectPerLine() throws Exception {
        cli.target("http://a:1");
        assertThat(cli.run("status", "--target", "http://a:1", "-w", "--interval", "100ms", "--count", "2",
                "-o", "json")).isEqualTo(0);
        String[] lines = cli.out().split("\n");
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            assertThat(Json.lenient().readTree(line).at("/targets/0/status/state").asText()).isEqualTo("running");
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return Arrays.asList(lines).get(lines.length - 1);
    }
}
