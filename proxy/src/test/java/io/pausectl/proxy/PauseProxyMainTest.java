package io.pausectl.proxy;

import io.pausectl.proxy.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PauseProxyMainTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        CommandLine cl = PauseProxyMain.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aBadValueIsOneLineAndExitCode2() {
        Run r = run(Map.of(), "--upstream", "http://127.0.0.1:9000", "--queue-timeout", "3 weeks");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("pause-proxy: --queue-timeout: '3 weeks' is not a duration: write a whole"
                + " number and a unit, e.g. 500ms, 30s, 5m, 1h" + System.lineSeparator());
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        Run r = run(Map.of("PAUSE_PROXY_MAX_QUEUED", "-1"), "--upstream", "http://127.0.0.1:9000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                "pause-proxy: --max-queued: -1 is out of range (0 to 2147483647) (from environment PAUSE_PROXY_MAX_QUEUED)");
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
        for (String setting : ConfigLoader.SETTINGS) {
            assertThat(r.out()).contains("--" + setting);
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
        assertThat(line).contains("admin-token=set", "upstream=http://127.0.0.1:9000", "queue-timeout=30s")
                .doesNotContain("very-secret");
    }
}
