package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Addresses and answers of the runtime API, as HAProxy 2.6.12 writes them. */
class RuntimeApiParsingTest {

    @Test
    void parsesUnixAndTcpAddresses() {
        RuntimeApiAddress unix = RuntimeApiAddress.parse("unix:/run/haproxy/admin.sock");
        assertThat(unix.isUnix()).isTrue();
        assertThat(unix.path()).isEqualTo(Path.of("/run/haproxy/admin.sock"));

        RuntimeApiAddress tcp = RuntimeApiAddress.parse("tcp://127.0.0.1:9999");
        assertThat(tcp.isUnix()).isFalse();
        assertThat(tcp.host()).isEqualTo("127.0.0.1");
        assertThat(tcp.port()).isEqualTo(9999);
        assertThat(RuntimeApiAddress.parse("tcp://[::1]:9999").host()).isEqualTo("::1");
    }

    @Test
    void refusesMalformedAddressesClearly() {
        assertThatThrownBy(() -> RuntimeApiAddress.parse("/run/haproxy/admin.sock"))
                .hasMessageContaining("unix:/path/admin.sock or tcp://host:port");
        assertThatThrownBy(() -> RuntimeApiAddress.parse("tcp://localhost"))
                .hasMessageContaining("needs a host and a port");
        assertThatThrownBy(() -> RuntimeApiAddress.parse("tcp://localhost:99999"))
                .hasMessageContaining("no valid port");
        assertThatThrownBy(() -> RuntimeApiAddress.parse("unix:"))
                .hasMessageContaining("no socket path");
    }

    @Test
    void theMasterCliListsTheOldWorkersAReloadLeft() throws Exception {
        // Captured from HAProxy 2.6.12's master CLI, one reload after a request was held.
        String showProc = String.join("\n",
                "#<PID>          <type>          <reloads>       <uptime>        <version>      ",
                "12774           master          1 [failed: 0]   0d00h00m02s     2.6.12-1+deb12u4",
                "# workers",
                "12792           worker          0               0d00h00m01s     2.6.12-1+deb12u4",
                "# old workers",
                "12777           worker          1               0d00h00m02s     2.6.12-1+deb12u4",
                "# programs",
                "", "");
        assertThat(MasterCli.oldWorkers(showProc)).containsExactly(12777L);
        assertThat(MasterCli.oldWorkers(showProc.replace("# old workers\n12777           worker          1"
                + "               0d00h00m02s     2.6.12-1+deb12u4\n", ""))).isEmpty();
        assertThatThrownBy(() -> MasterCli.oldWorkers("Unknown command, but maybe one of the following ones"))
                .isInstanceOf(RuntimeApiException.class).hasMessageContaining("no '# workers' section");
    }

    @Test
    void errorsAreSeveritiesUpToThree() {
        // Captured: "set severity-output number; set maxconn frontend nofe 5"
        RuntimeApiReply reply = RuntimeApiReply.parse("\n[3]: No such frontend.\n\n");

        assertThat(reply.errors()).containsExactly(new RuntimeApiReply.Message(3, "No such frontend."));
    }

    @Test
    void informationalAnswersAreNotErrors() {
        // Captured: "set severity-output number; get var proc.x"
        RuntimeApiReply reply = RuntimeApiReply.parse("\n[6]: proc.x: type=sint value=<1>\n");

        assertThat(reply.errors()).isEmpty();
        assertThat(reply.text()).isEqualTo("proc.x: type=sint value=<1>");
    }

    @Test
    void anUnknownCommandIsAnErrorThoughSentAtInfo() {
        RuntimeApiReply reply = RuntimeApiReply.parse("\n[6]: Unknown command, but maybe one of the following ones"
                + " is a better match:\n  help [<command>]  : list matching or all commands\n\n");

        assertThat(reply.errors()).hasSize(1);
        assertThat(reply.errors().get(0).text()).startsWith("Unknown command");
    }

    @Test
    void freeTextIsKeptToCharactersTheCliPassesThrough() {
        assertThat(HaproxyRuntime.textVar("proc.r", "db migration; rm -rf %[src] \"x\""))
                .isEqualTo("proc.r fmt db\\ migration_\\ rm\\ -rf\\ __src_\\ _x_");
        assertThat(HaproxyRuntime.textVar("proc.r", "")).isEqualTo("proc.r str()");
        assertThatThrownBy(() -> HaproxyRuntime.intVar("txn.x", 1)).hasMessageContaining("not a process variable");
    }
}
