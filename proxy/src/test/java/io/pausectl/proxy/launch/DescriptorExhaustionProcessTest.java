package io.pausectl.proxy.launch;

import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Out of file descriptors, the proxy's listener backs off instead of spinning (review, session
 * 14): on io_uring, Netty's multishot accept stayed armed in the kernel, so under {@code ulimit -n
 * 200} with 260 connections waiting each failed accept came straight back and logged a warning,
 * 279,558 of them in 5 s. The launcher's default submits one accept at a time, which the
 * bootstrap's 1 s back-off stops; once descriptors are free again the proxy answers.
 */
class DescriptorExhaustionProcessTest {
    private static final int CONNECTIONS = 260;

    @Test
    void outOfDescriptorsTheListenerBacksOffAndRecovers(@TempDir Path dir) throws Exception {
        Path java = Files.createDirectories(dir.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nulimit -n 200\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Queue<String> log = new ConcurrentLinkedQueue<>();
        List<Socket> waiting = new ArrayList<>();
        try (TestUpstream upstream = new TestUpstream();
             ProxyProcess proxy = ProxyProcess.builder().javaHome(dir)
                     .args(List.of("--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                             "--upstream", upstream.url(), "--event-loops", "1", "--max-connections", "500"))
                     .output(log::add).start()) {
            InetSocketAddress address = proxy.clientAddress();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    waiting.add(new Socket(address.getAddress(), address.getPort()));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> acceptFailures(log) > 0);
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                        .until(() -> acceptFailures(log) <= 20);
            } finally {
                for (Socket s : waiting) {
                    s.close();
                }
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(RawClient.get(address.getPort(), "/after", Duration.ofSeconds(5)).status())
                            .isEqualTo(200));
            assertThat(proxy.isAlive()).isTrue();
        }
    }

    private static long acceptFailures(Queue<String> log) {
        return log.stream().filter(l -> l.contains("accept") && l.contains("failed")).count();
    }
}
