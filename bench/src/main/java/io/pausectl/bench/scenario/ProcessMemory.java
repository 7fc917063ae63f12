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
