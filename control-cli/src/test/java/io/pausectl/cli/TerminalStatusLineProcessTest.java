package io.pausectl.cli;

import io.pausectl.testkit.http.TestUpstream;
import io.pausectl.testkit.proxy.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code pausectl run} in a real terminal (a tmux pane, 100×20, on a private tmux server): the command
 * prints lines while the live status line refreshes, and what the terminal shows afterwards, history
 * included, must hold every line of the command intact, none mixed with pausectl's status.
 */
class TerminalStatusLineProcessTest {
    private static final int LINES = 40;

    @TempDir
    Path dir;

    private TestUpstream upstream;
    private ProxyProcess proxy;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        upstream = new TestUpstream();
        proxy = ProxyProcess.builder()
                .args(List.of("--listen", "127.0.0.1:0", "--upstream", upstream.url(), "--admin-listen", "127.0.0.1:0"))
                .start();
        socket = dir.resolve("tmux.sock");
    }

    @AfterEach
    void stop() throws Exception {
        tmux("kill-server");
        proxy.close();
        upstream.close();
    }

    @Test
    void everyLineOfTheCommandSurvivesTheLiveStatusLine() throws Exception {
        Path child = dir.resolve("child.sh");
        // The command paces itself so that the status line (4 refreshes a second) redraws between its lines.
        Files.writeString(child, "i=1; while [ $i -le " + LINES + " ]; do echo \"child line $i of " + LINES
                + " done\"; sleep 0.05; i=$((i+1)); done\n");
        Path done = dir.resolve("done");
        Path script = dir.resolve("window.sh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(script, String.join("\n",
                "'" + java + "' -XX:TieredStopAtLevel=1 -cp '" + System.getProperty("java.class.path") + "' "
                        + PausectlMain.class.getName() + " --target " + proxy.adminUrl() + " run -- sh '" + child + "'",
                "echo \"exit $?\" > '" + done + ".tmp'",
                // After pausectl: the whole screen scrolls again, so these reach the last row.
                "i=1; while [ $i -le 25 ]; do echo \"after $i\"; i=$((i+1)); done",
                "mv '" + done + ".tmp' '" + done + "'",
                "exec sleep 600", ""));

        tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "20", "sh " + script);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(done));
        assertThat(Files.readString(done).trim()).isEqualTo("exit 0");

        List<String> everything = lines(tmux("capture-pane", "-p", "-S", "-", "-E", "-"));
        String shown = String.join("\n", everything);
        assertThat(shown).contains("pausectl: traffic was paused for");
        for (int i = 1; i <= LINES; i++) {
            assertThat(everything).as("line %d of the command, in:%n%s", i, shown)
                    .contains("child line " + i + " of " + LINES + " done");
        }
        assertThat(everything).as("no line holds both the command's output and pausectl's status:%n%s", shown)
                .noneMatch(l -> l.contains("child line") && l.contains("pausectl"));
        String screen = tmux("capture-pane", "-p");
        List<String> rows = Arrays.stream(screen.split("\n", -1)).map(String::stripTrailing).limit(20)
                .collect(Collectors.toList());
        assertThat(rows).as("the last row is given back when pausectl exits:%n%s", screen)
                .hasSize(20)
                .noneMatch(l -> l.contains("| held"))
                .element(18).isEqualTo("after 25"); // row 20 is the cursor's, under the last line
    }

    /** The pane's lines, trailing blanks and trailing empty rows removed. */
    private static List<String> lines(String capture) {
        List<String> lines = Arrays.stream(capture.split("\n", -1)).map(String::stripTrailing)
                .collect(Collectors.toCollection(ArrayList::new));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "tmux", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("tmux " + String.join(" ", args) + " did not finish");
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
