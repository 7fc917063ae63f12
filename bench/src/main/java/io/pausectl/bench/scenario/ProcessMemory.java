package io.pausectl.bench.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another JVM's memory as the hold scenario measures it: resident set size from
 * {@code /proc/<pid>/status}, and live heap from {@code jcmd <pid> GC.class_histogram}, which runs
 * a full collection first and lists what survived it, class by class.
 */
final class ProcessMemory {
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB");
    private static final Pattern VM_HWM = Pattern.compile("(?m)^VmHWM:\\s+(\\d+)\\s+kB");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");

    private ProcessMemory() {
    }

    /** Resident set size of process {@code pid}, in bytes. */
    static long rssBytes(long pid) throws IOException {
        return statusKib(pid, VM_RSS) * 1024;
    }

    /** The largest resident set size process {@code pid} had so far (VmHWM), in bytes. */
    static long peakRssBytes(long pid) throws IOException {
        return statusKib(pid, VM_HWM) * 1024;
    }

    private static long statusKib(long pid, Pattern field) throws IOException {
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        Matcher m = field.matcher(status);
        if (!m.find()) {
            throw new IOException("no " + field.pattern() + " in /proc/" + pid + "/status");
        }
        return Long.parseLong(m.group(1));
    }

    /** One row of a class histogram. */
    record ClassRow(String className, long instances, long bytes) {
    }

    /** What survived a full collection: the total and the rows, largest first. */
    record Histogram(long totalBytes, long totalInstances, List<ClassRow> rows) {
    }

    /** Runs a full collection in {@code pid} and returns its class histogram. */
    static Histogram liveHeap(long pid) throws IOException, InterruptedException {
        String out = jcmd(pid, "GC.class_histogram");
        List<ClassRow> rows = new ArrayList<>();
        long totalBytes = -1;
        long totalInstances = -1;
        for (String line : out.split("\n")) {
            Matcher row = HISTOGRAM_ROW.matcher(line);
            if (row.find()) {
                rows.add(new ClassRow(row.group(3), Long.parseLong(row.group(1)), Long.parseLong(row.group(2))));
                continue;
            }
            Matcher total = HISTOGRAM_TOTAL.matcher(line.trim());
            if (total.find()) {
                totalInstances = Long.parseLong(total.group(1));
                totalBytes = Long.parseLong(total.group(2));
            }
        }
        if (totalBytes < 0) {
            throw new IOException("could not read the class histogram of pid " + pid + ":\n" + out);
        }
        return new Histogram(totalBytes, totalInstances, rows);
    }

    /**
     * Has the JVM {@code pid} give the C heap's free memory back to the system now
     * ({@code jcmd System.trim_native_heap}, JDK 17.0.9 and later), as the launcher's
     * {@code -XX:TrimNativeHeapInterval} does every few seconds: an RSS read next is the settled
     * figure, not whatever the JIT freed a moment ago. Does nothing on a JVM without the command.
     */
    static void trimNativeHeap(long pid) throws IOException, InterruptedException {
        try {
            jcmd(pid, "System.trim_native_heap");
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("trim_native_heap")) {
                throw e;
            }
        }
    }

    /**
     * Waits until the JIT compilers of JVM {@code pid} are idle and the memory they used is free
     * to be trimmed: no compilation running or queued ({@code jcmd Compiler.queue}) in two looks
     * half a second apart, then {@link #CHUNK_POOL_CLEANING_MILLIS} more. A C2 compilation works in
     * arenas of malloc'd chunks, and HotSpot keeps a finished compilation's chunks in a pool that a
     * periodic task empties every 5 s (JDK 17's {@code ChunkPool}); {@link #trimNativeHeap} gives
     * back only what is free. A burst of held connections makes the connection set-up and head
     * parse hot, so C2 compiles them while the requests are held: 10-18 MiB of arena chunks
     * ({@code VM.native_memory} "Arena Chunk") were in the RSS read at once (session 7), against 1-2
     * MiB idle, and they swung the figure per held request by 1-3 KiB. Gives up after {@code max}.
     *
     * @return how long it waited, in milliseconds; negative when the compilers were still busy at {@code max}
     */
    static long settleCompiler(long pid, java.time.Duration max) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        int idleLooks = 0;
        while (idleLooks < 2) {
            if (System.nanoTime() > deadline) {
                return -TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            idleLooks = compilerIdle(jcmd(pid, "Compiler.queue")) ? idleLooks + 1 : 0;
            Thread.sleep(500);
        }
        Thread.sleep(CHUNK_POOL_CLEANING_MILLIS);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Longer than the period of HotSpot's task that frees the compilers' pooled arena chunks (5 s). */
    static final long CHUNK_POOL_CLEANING_MILLIS = 5_500;

    /** Whether {@code jcmd Compiler.queue}'s answer lists no compilation running or queued. */
    static boolean compilerIdle(String queue) {
        for (String line : queue.split("\n")) {
            String l = line.trim();
            if (!l.isEmpty() && !l.endsWith(":") && !l.equals("Empty")) {
                return false;
            }
        }
        return true;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new IOException("measuring the proxy's heap needs jcmd, which this Java (" + System.getProperty("java.home")
                    + ") lacks: run pause-bench with a JDK");
        }
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed:\n" + out);
        }
        return out;
    }
}
