package io.pausectl.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pausectl.proxy.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PauseProxyMainTest {

    /** A run's exit code, its stdout and stderr, and what it logged (captured, not printed). */
    private record Run(int code, String out, String err, List<String> log) {
    }

    private static Run run(Map<String, String> env, String... args) {
        CommandLine cl = PauseProxyMain.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        // The program logs what it also says on stderr; kept here so a passing test prints nothing.
        Logger main = (Logger) LoggerFactory.getLogger(PauseProxyMain.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        main.addAppender(log);
        main.setAdditive(false);
        try {
            int code = cl.execute(args);
            return new Run(code, out.toString(), err.toString(),
                    log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList());
        } finally {
            main.setAdditive(true);
            main.detachAppender(log);
        }
    }

    @Test
    void aBadValueIsOneLineAndExitCode2() {
        Run r = run(Map.of(), "--upstream", "http://127.0.0.1:9000", "--queue-timeout", "3 weeks");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("pause-proxy: --queue-timeout: '3 weeks' is not a duration: write a number"
                + " and a unit (h, m, s, ms), e.g. 500ms, 30s, 1.5s, 1m30s, 1h" + System.lineSeparator());
    }

    /** Issue 10 fault 1: durations that overflowed later are refused at start-up, from any source. */
    @Test
    void anOverflowingDurationIsRefusedAtStartUp() {
        Run r = run(Map.of(), "--upstream", "http://127.0.0.1:9000", "--max-pause", "9999999h");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly("pause-proxy: --max-pause: '9999999h' is too long: at most 24h");
        Run env = run(Map.of("PAUSE_PROXY_QUEUE_TIMEOUT", "9223372037s"), "--upstream", "http://127.0.0.1:9000");
        assertThat(env.code()).isEqualTo(2);
        assertThat(env.err().lines()).containsExactly("pause-proxy: --queue-timeout: '9223372037s' is too long:"
                + " at most 24h (from environment PAUSE_PROXY_QUEUE_TIMEOUT)");
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        Run r = run(Map.of("PAUSE_PROXY_MAX_QUEUED", "-1"), "--upstream", "http://127.0.0.1:9000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                "pause-proxy: --max-queued: -1 is out of range (0 to 2147483647) (from environment PAUSE_PROXY_MAX_QUEUED)");
    }

    @Test
    void aMisspeltEnvironmentVariableIsRefusedNotIgnored() {
        Run r = run(Map.of("PAUSE_PROXY_QUEUE_TIMOUT", "8s"), "--upstream", "http://127.0.0.1:9000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly("pause-proxy: environment PAUSE_PROXY_QUEUE_TIMOUT is not a"
                + " pause-proxy setting (did you mean PAUSE_PROXY_QUEUE_TIMEOUT?) (unset it; the settings are"
                + " PAUSE_PROXY_ and a flag's name, e.g. PAUSE_PROXY_QUEUE_TIMEOUT)");
    }

    @Test
    void filesThatCannotBeReadAreNamedInWords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Run config = run(Map.of(), "--config", dir.resolve("nope.yaml").toString());
        assertThat(config.code()).isEqualTo(2);
        assertThat(config.err().lines()).containsExactly("pause-proxy: --config: cannot read " + dir.resolve("nope.yaml")
                + ": no such file");
        Run token = run(Map.of(), "--upstream", "http://127.0.0.1:9000", "--admin-token-file",
                dir.resolve("token").toString());
        assertThat(token.err().lines()).containsExactly("pause-proxy: --admin-token-file: cannot read "
                + dir.resolve("token") + ": no such file");
    }

    @Test
    void aYamlKeyWrittenTwiceIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("p.yaml"),
                "upstream: http://127.0.0.1:9000\nqueue-timeout: 30s\nmax-queued: 10\nqueue-timeout: 8s\n");
        Run r = run(Map.of(), "--config", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly("pause-proxy: --config: " + file
                + " line 4: 'queue-timeout' is set twice (keep one)");
    }

    @Test
    void aTakenPortNamesTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = run(Map.of(), "--upstream", "http://127.0.0.1:9000", "--listen", "127.0.0.1:" + taken.getLocalPort(),
                    "--admin-listen", "127.0.0.1:0");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().lines()).containsExactly("pause-proxy: cannot listen for clients on 127.0.0.1:"
                    + taken.getLocalPort() + ": address already in use (another process listens there)");
            assertThat(r.log()).containsExactly("ERROR pause-proxy: cannot listen for clients on 127.0.0.1:"
                    + taken.getLocalPort() + ": address already in use (another process listens there)");
        }
    }

    @Test
    void anUnknownFlagIsOneLineAndExitCode2() {
        Run r = run(Map.of(), "--upstreams", "http://127.0.0.1:9000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("pause-proxy: Unknown options: '--upstreams'");
    }

    @Test
    void helpDocumentsEveryFlagAndExitCodes() {
        Run r = run(Map.of(), "--help");
        assertThat(r.code()).isZero();
        for (io.pausectl.proxy.config.Setting setting : io.pausectl.proxy.config.Setting.values()) {
            assertThat(r.out()).contains(setting.flag());
        }
        assertThat(r.out()).contains("--config", "PAUSE_PROXY_", "Exit codes:");
    }

    @Test
    void theStartUpLineNeverShowsTheAdminToken(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path token = dir.resolve("token");
        java.nio.file.Files.writeString(token, "very-secret\n");
        io.pausectl.proxy.config.ProxyConfig c = ConfigLoader.load(Map.of(
                "upstream", java.util.List.of("http://127.0.0.1:9000"),
                "admin-token-file", java.util.List.of(token.toString())), Map.of());
        String line = PauseProxyMain.describe(c);
        assertThat(line).contains("admin-token-file=set", "upstream=http://127.0.0.1:9000", "queue-timeout=30s",
                        "upstream-reuse=safe")
                .doesNotContain("very-secret");
    }
}
