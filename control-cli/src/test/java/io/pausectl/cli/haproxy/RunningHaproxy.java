package io.pausectl.cli.haproxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** An HAProxy process started by a {@link HaproxyLauncher}; closing it kills it. */
final class RunningHaproxy implements AutoCloseable {
    private final Process process;
    private final Path log;

    RunningHaproxy(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Where its stdout and stderr go. */
    Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
