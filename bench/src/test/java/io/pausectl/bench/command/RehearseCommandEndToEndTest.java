package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import io.pausectl.bench.upstream.SampleUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RehearseCommandEndToEndTest {

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
    void aRehearsalLoadsAnExistingFrontAroundTheUsersCommandAndReportsWhatClientsSaw(@TempDir Path dir)
            throws Exception {
        // The bench's own origin: it echoes each X-Req-Id, so the rehearsal's accounting of lost and
        // foreign answers is checked too, not only its exit code.
        SampleUpstream origin = SampleUpstream.start(1);
        try (ProxyProcess proxy = ProxyProcess.builder().args(List.of("--listen", "127.0.0.1:0", "--admin-listen",
                "127.0.0.1:0", "--upstream", origin.uri().toString())).start()) {
            Path output = dir.resolve("pausectl.out");
            Run run = pauseBench("rehearse", "--url", proxy.clientUrl(), "--admin", proxy.adminUrl(), "--path", "/orders",
                    "--rate", "20", "--before", "1s", "--after", "1s", "--output", output.toString(), "--", "sleep", "1");
            assertThat(run.exitCode()).as(run.out()).isZero();
            assertThat(run.out()).contains("What the clients saw", "(pausectl exited 0)")
                    .containsPattern("failed\\s+0\\n").containsPattern("lost\\s+0 ");
            assertThat(Files.readString(output)).contains("pausectl: traffic was paused for", "released");
        } finally {
            origin.close();
        }
    }

    @Test
    void aRehearsalNamesWhatItPauses() {
        Run run = pauseBench("rehearse", "--url", "http://127.0.0.1:1", "--", "true");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).contains("--admin URL (pause-proxy) or --haproxy ADDR --frontend NAME");
    }
}
