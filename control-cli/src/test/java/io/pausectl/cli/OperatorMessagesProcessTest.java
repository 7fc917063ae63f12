package io.pausectl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What pausectl, as its own process, says when a target's name cannot be resolved: the cases of
 * {@link OperatorMessagesTest} that need a JVM of their own (here, to look names up in a hosts file of
 * the test's), so they run under Failsafe with the other process-spawning suites.
 */
class OperatorMessagesProcessTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownHostIsNotReportedAsConnectionRefused() throws Exception {
        // Names are looked up in this file only: nothing leaves the machine.
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        try (PausectlProcess p = PausectlProcess.start(dir.resolve("logs"),
                List.of("-Djdk.net.hosts.file=" + hosts),
                List.of("--target", "http://no-such-admin.example:9901", "status"))) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(p.out()).contains("http://no-such-admin.example:9901: UNREACHABLE\n  http://no-such-admin.example:9901:"
                    + " unknown host 'no-such-admin.example' (no address for it): is the name right?");
        }
    }
}
