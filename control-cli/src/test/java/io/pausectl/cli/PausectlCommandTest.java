package io.pausectl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PausectlCommandTest {
    private final CliHarness cli = new CliHarness();

    @Test
    void helpListsCommandsExitCodesAndEnvironment() {
        assertThat(cli.run("--help")).isEqualTo(0);
        assertThat(cli.out()).contains("pause", "resume", "status", "run", "--target=URL", "--token-file=FILE",
                "-o, --output=text|json", "--haproxy=ADDR", "--frontend=NAME", "--strategy=gate|maxconn");
        assertThat(cli.out()).contains("Exit codes:", "PAUSECTL_TARGETS", "PAUSECTL_TOKEN", "generate-completion");
        assertThat(cli.out()).containsPattern("\\n  3 +could not pause").containsPattern("\\n  4 +conflict")
                .containsPattern("\\n  5 +could not resume").containsPattern("\\n  127 +run: the command was not found");
    }

    @Test
    void subcommandHelpShowsTheInheritedOptions() {
        assertThat(cli.run("run", "--help")).isEqualTo(0);
        assertThat(cli.out()).contains("--max-pause", "--wait-idle", "--allow-inflight", "--target=URL", "CMD");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(cli.run()).isEqualTo(2);
        assertThat(cli.err()).contains("a command is required").contains("Try 'pausectl --help'");
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertThat(cli.run("status", "--tagret", "http://x:1")).isEqualTo(2);
        assertThat(cli.err()).contains("Unknown options: '--tagret'");
    }

    @Test
    void malformedDurationIsAUsageErrorSayingHowToWriteOne() {
        assertThat(cli.run("pause", "--ttl", "5 minutes")).isEqualTo(2);
        assertThat(cli.err()).contains("'5 minutes' is not a duration", "30s");
    }

    @Test
    void goDurationsAreReadAndOverflowingOnesAreUsageErrorsBeforeAnyTargetIsAsked() {
        assertThat(cli.run("pause", "--ttl", "9999999h")).isEqualTo(2);
        assertThat(cli.err()).contains("'9999999h' is too long: at most 8760h");
        assertThat(cli.run("run", "--max-pause", "9223372037s", "--", "true")).isEqualTo(2);
        assertThat(cli.run("pause", "--wait-idle", "2h")).isEqualTo(2);
        assertThat(cli.err()).contains("'2h' is too long: at most 1h");
        assertThat(cli.run("pause", "--ttl", "500ms")).isEqualTo(2);
        assertThat(cli.err()).contains("'500ms' is too short: at least 1s");
        assertThat(cli.run("pause", "--reason", "line\nforged")).isEqualTo(2);
        assertThat(cli.err()).contains("'--reason' must be one line of printable text");
        assertThat(cli.selections).isEmpty();
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() {
        cli.target("http://a:1");
        cli.target("http://b:2");
        assertThat(cli.run("--target", "http://a:1", "status", "--target", "http://b:2", "-o", "json")).isEqualTo(0);
        assertThat(cli.selections).hasSize(1);
        assertThat(cli.selections.get(0).urls()).containsExactly("http://a:1", "http://b:2");
        assertThat(cli.out()).startsWith("{");
    }

    @Test
    void targetsComeFromTheFlagThenTheEnvironmentThenTheDefault() {
        cli.run("status");
        cli.env.put("PAUSECTL_TARGETS", "http://e1:1, http://e2:2");
        cli.run("status");
        cli.run("status", "--target", "http://f:1,http://g:2");
        assertThat(cli.selections).extracting(TargetSelection::urls).containsExactly(
                List.of("http://127.0.0.1:9901"), List.of("http://e1:1", "http://e2:2"),
                List.of("http://f:1", "http://g:2"));
    }

    @Test
    void tokenComesFromTheFileElseTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "s3cret\n");
        cli.env.put("PAUSECTL_TOKEN", "from-env");
        cli.run("status");
        cli.run("status", "--token-file", file.toString());
        assertThat(cli.selections).extracting(TargetSelection::token)
                .containsExactly(Optional.of("from-env"), Optional.of("s3cret"));
    }

    @Test
    void missingTokenFileIsAUsageError(@TempDir Path dir) {
        assertThat(cli.run("status", "--token-file", dir.resolve("nope").toString())).isEqualTo(2);
        assertThat(cli.err()).contains("cannot read --token-file");
    }

    @Test
    void malformedTargetUrlIsAUsageError() {
        assertThat(cli.run("status", "--target", "127.0.0.1:9901")).as(cli.err()).isEqualTo(2);
        assertThat(cli.err()).contains("'127.0.0.1:9901' is not an admin API URL", "http://HOST:PORT");
    }

    @Test
    void haproxyOptionsAreResolvedAndExcludeTargets() {
        assertThat(cli.run("status", "--haproxy", "unix:/run/haproxy.sock", "--target", "http://a:1",
                "--frontend", "fe")).isEqualTo(2);
        assertThat(cli.err()).contains("--haproxy and --target exclude each other");

        assertThat(cli.run("status", "--haproxy", "unix:/run/haproxy.sock")).isEqualTo(2);
        assertThat(cli.err()).contains("--haproxy needs --frontend");

        cli.run("--haproxy", "unix:/run/a.sock", "--haproxy", "tcp://127.0.0.1:9999", "status", "--frontend", "web",
                "--strategy", "maxconn", "--timeout", "2s");
        TargetSelection s = cli.selections.get(0);
        assertThat(s.haproxy()).containsExactly("unix:/run/a.sock", "tcp://127.0.0.1:9999");
        assertThat(s.urls()).isEmpty();
        assertThat(s.frontend()).isEqualTo("web");
        assertThat(s.strategy()).isEqualTo("maxconn");
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(2));

        assertThat(cli.run("status", "--haproxy", "unix:/a", "--frontend", "fe", "--strategy", "drain")).isEqualTo(2);
        assertThat(cli.err()).contains("--strategy", "drain");
    }

    @Test
    void haproxyAddressesGoToTheHaproxyDriver() throws Exception {
        cli.realTargets = true;
        assertThat(cli.run("status", "--haproxy", "tcp://127.0.0.1", "--frontend", "fe")).isEqualTo(2);
        assertThat(cli.err()).contains("'tcp://127.0.0.1' needs a host and a port");

        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        assertThat(cli.run("status", "--haproxy", "tcp://127.0.0.1:" + closed, "--frontend", "fe")).isEqualTo(1);
        assertThat(cli.out()).contains("tcp://127.0.0.1:" + closed, "UNREACHABLE");
    }

    @Test
    void completionScriptIsGeneratedFromTheCommandModel() {
        assertThat(cli.run("generate-completion")).isEqualTo(0);
        assertThat(cli.out()).contains("complete -F", "pausectl", "pause resume status run", "--max-pause",
                "--scope-methods");
    }

    @Test
    void versionIsPrinted() {
        assertThat(cli.run("--version")).isEqualTo(0);
        assertThat(cli.out()).startsWith("pausectl ").doesNotContain("${");
    }
}
