package io.pausectl.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A stand-in for a migration that the test lets go: {@code sh} that records its PID, touches {@code started},
 * waits until {@code go} exists in its directory, touches {@code ran} and exits with a given code.
 *
 * <p>It must never outlive its test. A test that SIGKILLs pausectl orphans the command (as it would a real
 * migration), and JUnit deletes the directory after the test; so the loop also ends once its directory is
 * gone, and {@link #close} (call it from {@code @AfterEach}, before the directory goes) ends every command
 * it started that still runs, by PID, checking first that the PID is still that command.
 */
public final class WaitingCommand implements AutoCloseable {
    private final Path dir;

    /** @param dir the test's own directory: the command's files go there, and its name marks the command */
    public WaitingCommand(Path dir) {
        this.dir = dir;
    }

    /** The command line (for {@code pausectl run -- ...}) of a command that exits with {@code code} once let go. */
    public List<String> argv(int code) {
        return List.of("sh", "-c", "echo $$ >> \"$1/command.pid\"; touch \"$1/started\";"
                + " while [ -d \"$1\" ] && [ ! -e \"$1/go\" ]; do sleep 0.02; done;"
                + " [ -d \"$1\" ] && touch \"$1/ran\"; exit " + code, "sh", dir.toString());
    }

    /** Whether a command started (pausectl runs it only once paused). */
    public boolean started() {
        return Files.exists(dir.resolve("started"));
    }

    /** Whether a command was let go and ended its wait. */
    public boolean ran() {
        return Files.exists(dir.resolve("ran"));
    }

    /** Lets every command end. */
    public void go() throws IOException {
        Files.createFile(dir.resolve("go"));
    }

    /** The PIDs of the commands started so far, oldest first. */
    public List<Long> pids() throws IOException {
        Path file = dir.resolve("command.pid");
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong)
                .toList();
    }

    /** The PID of the last command started. */
    public long lastPid() throws IOException {
        List<Long> pids = pids();
        if (pids.isEmpty()) {
            throw new IllegalStateException("no command started in " + dir);
        }
        return pids.get(pids.size() - 1);
    }

    /** Ends (SIGKILL) each command still running, once sure the PID was not reused by another process. */
    @Override
    public void close() throws IOException {
        for (long pid : pids()) {
            ProcessHandle.of(pid)
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains(dir.toString())).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
