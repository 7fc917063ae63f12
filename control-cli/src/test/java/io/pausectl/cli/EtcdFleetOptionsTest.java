package io.pausectl.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** The fleet options' usage errors, and a run whose etcd cannot be reached: nothing paused, nothing run. */
class EtcdFleetOptionsTest {
    private final CliHarness cli = new CliHarness();

    @Test
    void helpDocumentsTheFleetOptions() {
        assertThat(cli.run("run", "--help")).isZero();
        assertThat(cli.out()).contains("--etcd=URL", "--fleet=NAME", "--min-members=N");
        assertThat(cli.run("--help")).isZero();
        assertThat(cli.out()).contains("PAUSECTL_ETCD", "PAUSECTL_FLEET");
    }

    @Test
    void aFleetWithoutEtcdOrEtcdWithoutAFleetIsAUsageError() {
        assertThat(cli.run("--fleet", "shop", "status")).isEqualTo(2);
        assertThat(cli.err()).contains("--fleet needs --etcd URL");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "status")).isEqualTo(2);
        assertThat(cli.err()).contains("--etcd needs --fleet NAME");
    }

    @Test
    void etcdExcludesTargetsAndBadEndpointsAreNamed() {
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "--target", "http://x:9901",
                "status")).isEqualTo(2);
        assertThat(cli.err()).contains("--etcd excludes --target and --haproxy");
        assertThat(cli.run("--etcd", "https://e:2379", "--fleet", "shop", "status")).isEqualTo(2);
        assertThat(cli.err()).contains("'https://e:2379' is not an etcd client URL");
        assertThat(cli.run("--etcd", "http://e:2379", "--fleet", "a/b", "status")).isEqualTo(2);
        assertThat(cli.err()).contains("fleet name 'a/b'");
    }

    @Test
    void pauseWithEtcdIsRefusedNamingRun() {
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "pause")).isEqualTo(2);
        assertThat(cli.err()).contains("use 'pausectl --etcd URL --fleet NAME run -- CMD'");
    }

    @Test
    void aRunWhoseEtcdIsDownExits3AndRunsNothing() throws IOException {
        cli.env.put("PAUSECTL_ETCD", "http://127.0.0.1:" + closedPort());
        cli.env.put("PAUSECTL_FLEET", "shop");
        assertThat(cli.run("run", "--", "sh", "-c", "exit 9")).isEqualTo(ExitCodes.NOT_PAUSED);
        assertThat(cli.err()).contains("cannot write the pause intent of fleet shop", "connection refused",
                "the command was NOT run");
    }

    @Test
    void theAgentNeedsEtcdAFleetAndOneHaproxyGate() {
        assertThat(cli.run("agent", "--help")).isZero();
        assertThat(cli.out()).contains("--node=NAME", "--max-pause=DURATION", "--haproxy-master=ADDR", "ttl + ttl/3");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "agent")).isEqualTo(2);
        assertThat(cli.err()).contains("agent needs --haproxy ADDR and --frontend NAME");
        assertThat(cli.run("--haproxy", "unix:/run/h.sock", "--frontend", "fe", "agent")).isEqualTo(2);
        assertThat(cli.err()).contains("agent needs --etcd URL and --fleet NAME");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "--haproxy", "unix:/run/h.sock",
                "--frontend", "fe", "--strategy", "maxconn", "agent", "--node", "lb-1")).isEqualTo(2);
        assertThat(cli.err()).contains("agent drives the gate strategy only");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "--haproxy", "unix:/run/h.sock",
                "--frontend", "fe", "agent", "--node", "a/b")).isEqualTo(2);
        assertThat(cli.err()).contains("node name 'a/b'");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "--haproxy", "unix:/a.sock",
                "--haproxy", "unix:/b.sock", "--frontend", "fe", "agent", "--node", "lb-1")).isEqualTo(2);
        assertThat(cli.err()).contains("agent drives one HAProxy");
        assertThat(cli.run("--etcd", "http://127.0.0.1:2379", "--fleet", "shop", "--haproxy", "unix:/run/h.sock",
                "--frontend", "fe", "agent", "--node", "lb-1", "--haproxy-master", "/run/haproxy-master.sock"))
                .isEqualTo(2);
        assertThat(cli.err()).contains("--haproxy-master: '/run/haproxy-master.sock'");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
