package io.pausectl.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * pausectl as its own process ({@code java -cp <test class path> io.pausectl.cli.PausectlMain ...}), as a
 * user runs it: its own signals, its own exit code. Output goes to files (never a full pipe).
 */
public final class PausectlProcess implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private PausectlProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    public static PausectlProcess start(Path dir, List<String> args) throws IOException {
        return start(dir, List.of(), args);
    }

    /** With options for its JVM, e.g. {@code -Djdk.net.hosts.file=FILE} so that no name is looked up outside. */
    public static PausectlProcess start(Path dir, List<String> jvmOptions, List<String> args) throws IOException {
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, "pausectl", ".out");
        Path err = Files.createTempFile(dir, "pausectl", ".err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PausectlMain.class.getName());
        command.addAll(args);
        Process process = new ProcessBuilder(command)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        return new PausectlProcess(process, out, err);
    }

    /** Waits for the exit code. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("pausectl did not exit within " + timeout + "; stderr:\n" + err());
        }
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public String out() {
        return read(out);
    }

    public String err() {
        return read(err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
