package io.pausectl.bench.upstream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The sample upstream in its own process ({@link UpstreamProcess}), which {@link #kill} ends with
 * SIGKILL, as an outage would, and {@link #restart} starts again on the same port. Every id a
 * process reported before it died is in the ledger: the reports come through a pipe, which keeps
 * what was written after the writer is gone.
 */
public final class ProcessUpstream extends RecordingUpstream {
    private final Duration keepAlive;
    private final int port;
    private Process process;
    private Thread reader;
    /** Notified each time an id is recorded. */
    private final Object recorded = new Object();
    private final Thread reaper;

    private ProcessUpstream(Duration keepAlive, int port, Process process, Thread reader) {
        this.keepAlive = keepAlive;
        this.port = port;
        this.process = process;
        this.reader = reader;
        this.reaper = new Thread(this::destroy, "upstream-process-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** Starts the upstream process on a free port; {@code keepAlive} as {@link SampleUpstream#start}. */
    public static ProcessUpstream start(Duration keepAlive) throws IOException, InterruptedException {
        ProcessUpstream[] self = new ProcessUpstream[1];
        Started s = launch(keepAlive, 0, id -> self[0].record(id));
        self[0] = new ProcessUpstream(keepAlive, s.port, s.process, s.reader);
        return self[0];
    }

    private record Started(Process process, Thread reader, int port) {
    }

    private static Started launch(Duration keepAlive, int port, java.util.function.Consumer<String> seen)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), UpstreamProcess.class.getName(), Integer.toString(port),
                keepAlive == null ? "-" : Long.toString(keepAlive.toMillis())));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith(UpstreamProcess.SEEN)) {
                        seen.accept(line.substring(UpstreamProcess.SEEN.length()));
                    } else if (line.startsWith(UpstreamProcess.LISTENING)) {
                        listening.complete(Integer.parseInt(line.substring(UpstreamProcess.LISTENING.length()).trim()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                listening.completeExceptionally(e);
            }
            listening.completeExceptionally(new IOException("the upstream process ended before it listened"));
        }, "upstream-process-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            return new Started(p, reader, listening.get(60, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("could not start the upstream process on port " + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.toString()), e);
        }
    }

    private void record(String id) {
        recordId(id);
        synchronized (recorded) {
            recorded.notifyAll();
        }
    }

    /**
     * The process writes each id before answering its request, but this side reads the pipe on its
     * own thread, so on a loaded host it may lag behind the answers: wait for it.
     */
    @Override
    public void awaitRecorded(IdLedger ledger, int[] seqs, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (recorded) {
            for (int seq : seqs) {
                while (ledger.timesSeen(seq) == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(recorded, left);
                }
            }
        }
    }

    /** The process's id (it changes on {@link #restart}). */
    public synchronized long pid() {
        return process.pid();
    }

    /**
     * SIGKILLs the process and waits until it is gone and every id it reported is recorded: its
     * listening socket and its connections close as the kernel reaps it, without a word to the
     * proxy.
     */
    public synchronized void kill() throws InterruptedException {
        // Through the handle: Process.destroyForcibly also closes this side's end of the pipe, so the
        // reader failed with "Stream closed" before reading the ids the process wrote just before it died.
        process.toHandle().destroyForcibly();
        process.waitFor();
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }

    /** Starts the upstream again on the same port. */
    public synchronized void restart() throws IOException, InterruptedException {
        Started s = launch(keepAlive, port, this::record);
        process = s.process;
        reader = s.reader;
    }

    @Override
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private synchronized void destroy() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
