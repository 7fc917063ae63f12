package io.pausectl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The migration stand-in never outlives its test: an orphaned one (its pausectl SIGKILLed) used to poll for a
 * {@code go} file in a deleted directory for ever.
 */
class WaitingCommandTest {
    @TempDir
    Path tmp;

    private Process start(WaitingCommand command) throws Exception {
        Process p = new ProcessBuilder(command.argv(3)).start();
        await().atMost(Duration.ofSeconds(10)).until(command::started);
        return p;
    }

    @Test
    void itEndsOnceItsDirectoryIsGone() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("test"));
        WaitingCommand command = new WaitingCommand(dir);
        Process p = start(command);
        for (Path f : Files.list(dir).toList()) {
            Files.delete(f);
        }
        Files.delete(dir);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("the loop saw its directory go").isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
    }

    @Test
    void closeEndsTheCommandsStillRunningAndGoLetsThemRun() throws Exception {
        WaitingCommand command = new WaitingCommand(tmp);
        Process first = start(command);
        Process second = new ProcessBuilder(command.argv(3)).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> command.pids().size() == 2);
        assertThat(command.lastPid()).isEqualTo(second.pid());
        command.close();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(command.ran()).isFalse();

        Process third = new ProcessBuilder(command.argv(5)).start();
        command.go();
        assertThat(third.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(third.exitValue()).isEqualTo(5);
        assertThat(command.ran()).isTrue();
    }
}
