package io.pausectl.proxy.it;

import io.pausectl.testkit.proxy.ProxyProcess;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SIGTERM on the real program: idle connections close, in-flight exchanges finish, exit 0. */
class GracefulShutdownTest {
    private static ProxyProcess start(TestUpstream upstream, String grace) throws Exception {
        return ProxyProcess.builder()
                .args(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--upstream", upstream.url(),
                        "--event-loops", "1", "--shutdown-grace", grace))
                .expectAdmin(false)
                .start();
    }

    @Test
    void sigtermFinishesInFlightExchangesClosesIdleOnesAndExits0() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyProcess proxy = start(upstream, "20s");
             RawClient idle = new RawClient(proxy.clientAddress().getPort());
             RawClient busy = new RawClient(proxy.clientAddress().getPort())) {
            assertThat(idle.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            busy.send("GET /slow?ms=1500 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.seen().size() == 2);

            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try {
                    return proxy.terminate(Duration.ofSeconds(30));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(idle.closedByServer()).as("idle keep-alive connection closed at once").isTrue();
            assertThat(exit).isNotDone();
            Response r = busy.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("slow");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(busy.closedByServer()).isTrue();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> proxy.lastLines().stream().anyMatch(l -> l.contains("pause-proxy stopped")));
        }
    }

    @Test
    void exchangesStillBusyAtTheEndOfTheGraceAreCut() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyProcess proxy = start(upstream, "500ms");
             RawClient busy = new RawClient(proxy.clientAddress().getPort())) {
            busy.send("GET /slow?ms=20000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.seen().size() == 1);
            assertThat(proxy.terminate(Duration.ofSeconds(30))).isZero();
            assertThat(busy.closedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.lastLines().stream()
                    .anyMatch(l -> l.contains("still busy after the 500ms grace period")));
        }
    }

    /**
     * An open tunnel (a WebSocket) held every SIGTERM for the whole grace period, 30 s here: a stop
     * waits for ordinary exchanges only, and closes tunnels once they are done.
     */
    @Test
    void sigtermDoesNotWaitForAnOpenTunnel() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyProcess proxy = start(upstream, "30s");
             RawClient tunnel = new RawClient(proxy.clientAddress().getPort());
             RawClient busy = new RawClient(proxy.clientAddress().getPort())) {
            tunnel.send("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(tunnel.read().status()).isEqualTo(101);
            assertThat(tunnel.send("ping").readRaw(4)).isEqualTo("ping".getBytes(StandardCharsets.ISO_8859_1));
            busy.send("GET /slow?ms=1000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.seen().size() == 2);

            long start = System.nanoTime();
            assertThat(proxy.terminate(Duration.ofSeconds(40))).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            Response r = busy.read();
            assertThat(r.bodyText()).as("the ordinary exchange in flight finished").isEqualTo("slow");
            assertThat(tunnel.closedByServer()).isTrue();
        }
    }
}
