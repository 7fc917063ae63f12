package io.pausectl.bench.command;

import com.sun.net.httpserver.HttpServer;
import io.pausectl.bench.PauseBenchMain;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        origin.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        try (ProxyProcess proxy = ProxyProcess.builder().args(List.of("--listen", "127.0.0.1:0", "--admin-listen",
                "127.0.0.1:0", "--upstream", "http://127.0.0.1:" + origin.getAddress().getPort())).start()) {
            Path output = dir.resolve("pausectl.out");
            Run run = pauseBench("rehearse", "--url", proxy.clientUrl(), "--admin", proxy.adminUrl(), "--path", "/orders",
                    "--rate", "20", "--before", "1s", "--after", "1s", "--output", output.toString(), "--", "sleep", "1");
            assertThat(run.exitCode()).as(run.out()).isZero();
            assertThat(run.out()).contains("What the clients saw", "(pausectl exited 0)")
                    .containsPattern("failed\\s+0\\n").containsPattern("lost\\s+0 ");
            assertThat(Files.readString(output)).contains("pausectl: traffic was paused for", "released");
        } finally {
            origin.stop(0);
        }
    }

    @Test
    void aRehearsalNamesWhatItPauses() {
        Run run = pauseBench("rehearse", "--url", "http://127.0.0.1:1", "--", "true");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).contains("--admin URL (pause-proxy) or --haproxy ADDR --frontend NAME");
    }
}
