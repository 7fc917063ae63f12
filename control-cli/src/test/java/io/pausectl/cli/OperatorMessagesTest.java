package io.pausectl.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What pausectl says when the input or a target is wrong: one line in the user's terms, naming the
 * address or value concerned, and the documented exit code; nothing accepted silently.
 */
class OperatorMessagesTest {
    private final CliHarness cli = new CliHarness();

    @Test
    void anEmptyPausectlTargetsIsAUsageErrorNotTheDefaultAddress() {
        cli.env.put("PAUSECTL_TARGETS", " , ");
        assertThat(cli.run("status")).isEqualTo(2);
        assertThat(cli.err()).startsWith("pausectl: PAUSECTL_TARGETS is set but names no target (was the list of"
                + " ready pods empty?): give --target URL, or unset it to use http://127.0.0.1:9901\n");
        assertThat(cli.selections).isEmpty();
    }

    @Test
    void strategyWithoutHaproxyIsAUsageError() {
        cli.target("http://a:1");
        assertThat(cli.run("--target", "http://a:1", "--strategy", "maxconn", "status")).isEqualTo(2);
        assertThat(cli.err()).startsWith("pausectl: --strategy is for --haproxy targets only");
    }

    @Test
    void resumeForceWithNothingPausedSaysSo() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("--target", "http://a:1", "resume", "--force")).isEqualTo(0);
        assertThat(cli.out()).isEqualTo("http://a:1: not paused, nothing to resume\n");
        assertThat(a.events()).isEmpty();
    }

    @Test
    void aRefusedTokenIsNotReportedAsUnreachable() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "{\"error\":\"unauthorized\",\"message\":\"bearer token required\"}".getBytes();
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try {
            cli.realTargets = true;
            String guarded = "http://127.0.0.1:" + server.getAddress().getPort();
            String nobody = "http://127.0.0.1:" + closed;
            assertThat(cli.run("--target", guarded + "," + nobody, "status")).isEqualTo(1);
            assertThat(cli.out()).contains(guarded + ": TOKEN REFUSED\n", nobody + ": UNREACHABLE\n");
        } finally {
            server.stop(0);
        }
    }
}
