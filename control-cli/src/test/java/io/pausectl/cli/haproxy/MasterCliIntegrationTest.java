package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * {@link MasterCli} against the distribution's HAProxy in master-worker mode ({@code haproxy -W -S}, as
 * systemd runs it). On every reload the master re-executes itself, and its socket refuses connections until
 * the new image listens (0.15-0.32 s on an idle host): a call made then failed, so a {@code pausectl agent}
 * round that met the moment reported that it could not carry the pause over to the old workers, just as the
 * reload made them (FleetAgentIntegrationTest's reload case failed that way under load). Every call made
 * from the reload on is now answered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MasterCliIntegrationTest {
    private static final Pattern MASTER_RELOADS = Pattern.compile("(?m)^\\d+\\s+master\\s+(\\d+)");

    @TempDir
    Path dir;

    @Test
    void everyCallFromAReloadOnIsAnsweredWhileTheMasterReExecutes() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("HAPROXY_LAUNCHERS");
        HaproxyLauncher launcher = HaproxyLaunchers.all(env).get(0);
        if (!launcher.available()) {
            if (HaproxyLaunchers.required()) {
                fail("CI is set and a component is missing: " + launcher.unavailableReason());
            }
            Assumptions.abort("skipped locally: " + launcher.unavailableReason());
        }
        Path masterSocket = dir.resolve("master.sock");
        String config = String.join("\n",
                "global",
                "    stats socket " + dir.resolve("admin.sock") + " mode 600 level admin",
                "defaults",
                "    mode http",
                "    timeout connect 2s",
                "    timeout client 5s",
                "    timeout server 5s",
                "frontend fe_main",
                "    bind 127.0.0.1:" + freePort(),
                "    default_backend be_app",
                "backend be_app",
                "    server s1 127.0.0.1:9",
                "");
        try (RunningHaproxy haproxy = launcher.startMasterWorker(dir, config, masterSocket);
             MasterCli master = new MasterCli(new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + masterSocket),
                     Duration.ofSeconds(10)))) {
            // Through the client under test: it is warm (Netty loaded) when the reload comes.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> reloads(master.showProc()) == 0);
            ReloadingRelay.exchange(masterSocket, "reload");
            // From here the master re-executes: calls back to back until the new image answers, each of
            // which must get its answer (the old code threw on the first refused connection).
            int calls = 0;
            String answer;
            do {
                assertThat(haproxy.alive()).as("haproxy exited; its log: %s", haproxy.log()).isTrue();
                answer = master.showProc();
                calls++;
            } while (reloads(answer) == 0);
            assertThat(master.oldWorkers()).as("after %d calls: %s", calls, answer).isNotNull();
        }
    }

    private static int reloads(String showProc) {
        Matcher m = MASTER_RELOADS.matcher(showProc);
        assertThat(m.find()).as("the master's line in: %s", showProc).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
