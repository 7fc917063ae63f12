package io.pausectl.bench.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pausectl.bench.PauseBenchMain;
import io.pausectl.bench.upstream.SampleUpstream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench's commands end to end at a tiny scale: a real pause-proxy process, the real pausectl
 * run, the sample upstream. Proves the window loses, fails and duplicates nothing while the pause
 * visibly held requests; that the demo runs and explains itself; and that hold, drain and
 * pass-through produce their figures.
 */
class ScenariosEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exitCode, String out) {
    }

    private static Run pauseBench(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = PauseBenchMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int code = cl.execute(args);
        return new Run(code, out.toString());
    }

    @Test
    void aSmallWindowThroughTheRealProxyAndPausectlRunLosesNothing(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("window.json");
        Path svg = dir.resolve("window.svg");

        Run run = pauseBench("window", "--rate", "100", "--duration", "6s", "--pause", "1s",
                "--json", json.toString(), "--svg", svg.toString());

        assertThat(run.exitCode()).as(run.out()).isZero();
        JsonNode r = JSON.readTree(json.toFile());
        List<String> fields = new ArrayList<>();
        r.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("sent", "ok", "failed", "lost", "duplicated", "p50Ms", "p99Ms", "maxMs",
                "pauseMs", "drainMs");
        assertThat(r.get("sent").asLong()).isEqualTo(600);
        assertThat(r.get("ok").asLong()).isEqualTo(600);
        assertThat(r.get("failed").asLong()).isZero();
        assertThat(r.get("lost").asLong()).isZero();
        assertThat(r.get("duplicated").asLong()).isZero();
        assertThat(r.get("pauseMs").asLong()).as("pausectl run -- sleep 1 lasted at least the sleep").isGreaterThanOrEqualTo(1000);
        assertThat(r.get("maxMs").asDouble()).as("requests were held for about the pause").isGreaterThan(800);
        assertThat(run.out()).contains("held by the proxy");
        assertThat(DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile())
                .getDocumentElement().getTagName()).isEqualTo("svg");
    }

    @Test
    void theDemoExplainsTheWindowAndWritesItsChart(@TempDir Path dir) {
        Path svg = dir.resolve("demo.svg");

        Run run = pauseBench("demo", "--svg", svg.toString());

        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out()).contains(
                "starting the sample upstream",
                "pausectl run -- sleep 3",
                "proxy is paused",
                "What the clients saw",
                "Nothing failed, nothing was lost",
                svg.toAbsolutePath().toString());
        assertThat(svg).exists();
    }

    @Test
    void holdReportsMemoryPerHeldRequestAndReleasesThemAll(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("hold.json");

        Run run = pauseBench("hold", "--count", "300", "--json", json.toString());

        assertThat(run.exitCode()).as(run.out()).isZero();
        JsonNode r = JSON.readTree(json.toFile());
        assertThat(r.get("held").asLong()).isEqualTo(300);
        assertThat(r.has("rssBytesPerHeld")).isTrue();
        assertThat(r.get("heapBytesPerHeld").asLong()).as("held requests cost some heap").isPositive();
        assertThat(run.out()).contains("released after resume: 300 ok, 0 failed or lost", "target: RSS per held request");
    }

    @Test
    void drainReleasesEveryHeldRequestAndComparesWithTheUpstreamsCapacity(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("drain.json");

        Run run = pauseBench("drain", "--count", "500", "--trials", "2", "--json", json.toString());

        assertThat(run.exitCode()).as(run.out()).isZero();
        JsonNode r = JSON.readTree(json.toFile());
        assertThat(r.get("released").asLong()).isEqualTo(500);
        assertThat(r.get("failed").asLong()).isZero();
        assertThat(r.get("upstreamCapacityRps").asDouble()).isPositive();
        assertThat(r.get("ratioToUpstreamCapacity").asDouble()).isPositive();
        assertThat(r.get("trials").asInt()).isEqualTo(2);
        assertThat(r.get("drainMsTrials")).hasSize(2);
        assertThat(r.get("drainRpsTrials")).hasSize(2);
        JsonNode passthrough = r.get("proxyPassthroughRpsTrials");
        assertThat(passthrough).hasSize(2);
        assertThat(r.get("proxyPassthroughRps").asDouble()).as("the median of two is their mean")
                .isCloseTo((passthrough.get(0).asDouble() + passthrough.get(1).asDouble()) / 2,
                        org.assertj.core.data.Offset.offset(0.1));
        assertThat(r.get("haproxyDrainMsTrials").isNull()).isTrue();
        assertThat(run.out()).contains("trial 1 of 2: ", "trial 2 of 2: ", "medians of 2 trials");
    }

    @Test
    void passthroughMeasuresTheProxyBesideTheUpstreamDirectly(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("passthrough.json");

        Run run = pauseBench("passthrough", "--duration", "1s", "--connections", "8", "--json", json.toString());

        assertThat(run.exitCode()).as(run.out()).isZero();
        JsonNode targets = JSON.readTree(json.toFile()).get("targets");
        List<String> names = new ArrayList<>();
        for (JsonNode t : targets) {
            names.add(t.get("name").asText());
            assertThat(t.get("failed").asLong()).as(t.toString()).isZero();
            assertThat(t.get("rps").asDouble()).as(t.toString()).isPositive();
        }
        assertThat(names).startsWith("direct", "pause-proxy");
        if (Files.isExecutable(Path.of("/usr/sbin/haproxy"))) {
            assertThat(names).contains("haproxy");
        }
        if (Files.isExecutable(Path.of("/usr/sbin/nginx"))) {
            assertThat(names).contains("nginx");
        }
    }

    @Test
    void openLoopSendsAtTheRateAndMeasuresEveryAnswer(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("openloop.json");
        try (SampleUpstream upstream = SampleUpstream.start(1)) {
            Run run = pauseBench("openloop", "--url", upstream.uri().toString(), "--rate", "200", "--duration", "1s",
                    "--warmup", "1s", "--settle-max", "0", "--json", json.toString());

            assertThat(run.exitCode()).as(run.out()).isZero();
        }
        JsonNode reports = JSON.readTree(json.toFile());
        assertThat(reports).hasSize(1);
        JsonNode r = reports.get(0);
        assertThat(r.get("sent").asLong()).isEqualTo(200);
        assertThat(r.get("ok").asLong()).isEqualTo(200);
        assertThat(r.get("failed").asLong() + r.get("lost").asLong()).isZero();
        assertThat(r.get("p99Ms").asDouble()).isPositive();
        assertThat(r.get("generatorSettled").asBoolean()).isFalse();
    }

    @Test
    void openLoopMeasuresEachRateAgainstEachTargetInOneGenerator(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("openloop.json");
        try (SampleUpstream first = SampleUpstream.start(1); SampleUpstream second = SampleUpstream.start(1)) {
            Run run = pauseBench("openloop", "--url", first.uri().toString(), "--url", second.uri().toString(),
                    "--rate", "100", "--rate", "300", "--duration", "1s", "--warmup", "0", "--settle-max", "4s",
                    "--json", json.toString());

            assertThat(run.exitCode()).as(run.out()).isZero();
            JsonNode reports = JSON.readTree(json.toFile());
            assertThat(reports).hasSize(4);
            String[] targets = {first.uri().toString(), second.uri().toString()};
            for (int i = 0; i < 4; i++) {
                JsonNode r = reports.get(i);
                assertThat(r.get("target").asText()).isEqualTo(targets[i % 2]);
                assertThat(r.get("offeredRps").asDouble()).isEqualTo(i < 2 ? 100 : 300);
                assertThat(r.get("sent").asLong()).isEqualTo(i < 2 ? 100 : 300);
                assertThat(r.get("ok").asLong()).isEqualTo(r.get("sent").asLong());
                if (i > 0) {
                    assertThat(r.get("generatorWarmUpMs").asLong()).as("only the first window follows the settling")
                            .isZero();
                }
            }
            assertThat(reports.get(0).get("generatorWarmUpMs").asLong()).isGreaterThanOrEqualTo(2000);
        }
    }

    @Test
    void holdAndDrainCompareWithHaproxysGateWhenInstalled(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/haproxy")) || System.getenv("CI") != null,
                "haproxy is not installed");
        Path hold = dir.resolve("hold.json");
        Path drain = dir.resolve("drain.json");

        Run holdRun = pauseBench("hold", "--haproxy", "--count", "200", "--json", hold.toString());
        Run drainRun = pauseBench("drain", "--haproxy", "--count", "300", "--json", drain.toString());

        assertThat(holdRun.exitCode()).as(holdRun.out()).isZero();
        assertThat(holdRun.out()).contains("haproxy (Lua gate) held 200 requests", "released after resume: 200 ok, 0 failed or lost");
        assertThat(JSON.readTree(hold.toFile()).has("haproxyRssBytesPerHeld")).isTrue();
        assertThat(drainRun.exitCode()).as(drainRun.out()).isZero();
        JsonNode d = JSON.readTree(drain.toFile());
        assertThat(d.get("haproxyReleased").asLong()).isEqualTo(300);
        assertThat(d.get("haproxyFailed").asLong()).isZero();
        assertThat(d.get("proxyPassthroughRps").asDouble()).isPositive();
        assertThat(d.get("haproxyDrainMsTrials")).as("HAProxy's gate drains in every trial").hasSize(3);
    }

    @Test
    void badInputIsAUsageError() {
        assertThat(pauseBench("window", "--pause", "20s", "--duration", "10s").exitCode()).isEqualTo(2);
        assertThat(pauseBench("window", "--duration", "ten").exitCode()).isEqualTo(2);
        assertThat(pauseBench("hold", "--count", "0").exitCode()).isEqualTo(2);
        Run noTrials = pauseBench("drain", "--trials", "0");
        assertThat(noTrials.exitCode()).isEqualTo(2);
        assertThat(noTrials.out()).isEqualTo("pause-bench: --trials must be 1 or more, not 0" + System.lineSeparator());
        assertThat(pauseBench("passthrough", "--target", "nonsense").exitCode()).isEqualTo(2);
        assertThat(pauseBench("openloop", "--url", "http://127.0.0.1:1", "--rate", "0").exitCode()).isEqualTo(2);
        assertThat(pauseBench().exitCode()).isEqualTo(2);
    }
}
