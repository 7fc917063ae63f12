package io.pausectl.bench.scenario;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A program the bench starts for one run (HAProxy, nginx) in a temporary directory of its own, its output in
 * {@code output.log} there, serving HTTP on a loopback port. Closing it stops it (SIGTERM, then SIGKILL after
 * 5 s) and deletes the directory.
 */
final class ScratchProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path dir;
    private final int port;

    private ScratchProcess(String name, Process process, Path dir, int port) {
        this.name = name;
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts {@code command}, which is to listen on 127.0.0.1:{@code port}, with its output going to
     * {@code dir}/output.log; {@code name} names it in errors.
     */
    static ScratchProcess start(String name, Path dir, List<String> command, int port) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("output.log").toFile()).start();
        return new ScratchProcess(name, p, dir, port);
    }

    long pid() {
        return process.pid();
    }

    /** {@code http://127.0.0.1:port}. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Waits until it accepts connections on its port and {@code ready} holds, at most 10 s; else stops it and
     * throws with its output.
     */
    void awaitListening(BooleanSupplier ready) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String out = output();
                close();
                throw new IOException(name + " exited at start:\n" + out);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                if (ready.getAsBoolean()) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        String out = output();
        close();
        throw new IOException(name + " did not listen on 127.0.0.1:" + port + " within 10s:\n" + out);
    }

    /** Its output so far (warnings, alerts), for error messages. */
    String output() {
        try {
            return Files.readString(dir.resolve("output.log"));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
