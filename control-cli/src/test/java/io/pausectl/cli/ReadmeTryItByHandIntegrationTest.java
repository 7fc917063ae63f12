package io.pausectl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The README's "Try it by hand" block, taken from README.md itself and run whole, as a reader who
 * pastes it at once into a shell at the repository's root (issue 12 item 9: it curled before the
 * proxy listened, so the first check printed nothing). It runs with the built launchers
 * ({@code proxy/target/pause-proxy}, {@code control-cli/target/pausectl}) and the fixed ports the
 * README names (9000, 8080, the admin API's 9901), inside a network namespace of its own (a fresh
 * loopback, so no port of the host is used) and a PID namespace of its own (when the shell ends,
 * the kernel ends what the block left running in the background: the Python server and the proxy).
 */
class ReadmeTryItByHandIntegrationTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    /** The first fenced block under the heading "## Try it by hand". */
    static String tryItByHand(String readme) {
        int heading = readme.indexOf("\n## Try it by hand\n");
        assertThat(heading).as("README.md has a '## Try it by hand' section").isNotNegative();
        int open = readme.indexOf("\n```\n", heading);
        int close = readme.indexOf("\n```\n", open + 1);
        assertThat(open).isPositive();
        assertThat(close).isGreaterThan(open);
        return readme.substring(open + 5, close + 1);
    }

    /** Whether this process may make network and PID namespaces (root; CI runs as root). */
    private static boolean namespacesAvailable() throws Exception {
        Process p = new ProcessBuilder("unshare", "--net", "--pid", "--fork", "--mount-proc", "true")
                .redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void theBlockPastedAtOnceWorks() throws Exception {
        String block = tryItByHand(Files.readString(ROOT.resolve("README.md")));
        assertThat(ROOT.resolve("proxy/target/pause-proxy")).isExecutable();
        assertThat(ROOT.resolve("control-cli/target/pausectl")).isExecutable();
        boolean namespaces = namespacesAvailable();
        if (System.getenv("CI") != null) {
            assertThat(namespaces).as("unshare --net --pid (CI runs as root)").isTrue();
        }
        assumeThat(namespaces).as("network and PID namespaces (needs root)").isTrue();

        Path script = Files.writeString(dir.resolve("try-it-by-hand.sh"), block);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        // The namespace's loopback starts down; bring it up, then run the block as pasted.
        Process shell = new ProcessBuilder("unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
                "sh", "-c", "ip link set lo up && exec bash \"$0\"", script.toString())
                .directory(ROOT.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            assertThat(shell.waitFor(240, TimeUnit.SECONDS)).as("the block ended within 240 s; stdout:\n%s\nstderr:\n%s",
                    read(out), read(err)).isTrue();
        } finally {
            shell.destroyForcibly();
        }
        String stdout = read(out);
        String stderr = read(err);
        String both = "stdout:\n" + stdout + "\nstderr:\n" + stderr;

        // The block's last command is the whole window in one command: its exit code is the block's.
        assertThat(shell.exitValue()).as(both).isZero();
        // "passes through": the first lines of Python's directory listing, through the proxy.
        assertThat(stdout).as(both).containsIgnoringCase("<!DOCTYPE HTML");
        // pause printed its lease; the held curl was answered 200 once resumed.
        assertThat(stdout).as(both).contains("lease ").contains("200 after ");
        // status showed the pause; resume --force ended it.
        assertThat(stdout).as(both).containsPattern("http://127\\.0\\.0\\.1:9901: paused");
        assertThat(stdout + stderr).as(both).contains("resumed");
        // Nothing failed on the way: no connection refused, no usage error, no unreachable target.
        assertThat(stdout + stderr).as(both).doesNotContain("Connection refused", "UNREACHABLE", "cannot connect",
                "Usage:");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    @Test
    void theBlockIsFoundAndStartsTheProxyBeforeItsFirstCurl() throws IOException {
        // A cheap guard that runs everywhere: the first curl through the proxy comes after a wait
        // for it to listen (the block as shipped before curled at once).
        List<String> lines = tryItByHand(Files.readString(ROOT.resolve("README.md"))).lines().toList();
        int proxy = indexOf(lines, "proxy/target/pause-proxy");
        int wait = indexOf(lines, "until curl");
        int firstPlainCurl = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("curl ")) {
                firstPlainCurl = i;
                break;
            }
        }
        assertThat(proxy).isNotNegative();
        assertThat(wait).as("a wait until the proxy listens").isGreaterThan(proxy);
        assertThat(firstPlainCurl).isGreaterThan(wait);
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
