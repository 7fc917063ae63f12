package io.pausectl.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 item 7, the launcher as built ({@code target/pausectl}): it maps the class-data-sharing
 * archive the build made beside it, so a call loads its classes from the archive instead of the jar;
 * {@code PAUSECTL_CDS=dump} makes the archive for a copy elsewhere; a call never starts a child
 * process. Figures are in bench/RESULTS.md ("pausectl start-up"), measured by
 * bench/scripts/pausectl-startup.sh, never here.
 */
class LauncherIntegrationTest {
    private static final Path LAUNCHER = Path.of("target", "pausectl");

    @TempDir
    Path dir;

    /** Runs the launcher with extra environment; stdout and stderr together. */
    private static Result run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private record Result(int code, String out) {
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static long classesFromTheArchive(String classLoadLog) {
        return classLoadLog.lines().filter(l -> l.contains("source: shared objects file (top)")).count();
    }

    @Test
    void theBuiltLauncherLoadsItsClassesFromTheArchiveBesideIt() throws Exception {
        assertThat(LAUNCHER.resolveSibling("pausectl.jsa")).isRegularFile();
        Result r = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info"),
                "--target", "http://127.0.0.1:" + closedPort(), "status");
        assertThat(r.code()).as(r.out()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.out()).contains("UNREACHABLE");
        // The application's classes, its libraries' and the JDK classes the JDK's own archive lacks
        // come from the launcher's archive ("top").
        assertThat(classesFromTheArchive(r.out())).isGreaterThan(200);
        assertThat(r.out()).contains("io.pausectl.cli.StatusCommand source: shared objects file (top)");
        // No TLS for an http:// target, and no child process (`test -t 2`) on every call.
        assertThat(r.out()).doesNotContain("sun.security.ssl.SSLContextImpl", "java.lang.ProcessBuilder ");

        Result without = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info", "PAUSECTL_CDS", "off"),
                "--version");
        assertThat(classesFromTheArchive(without.out())).isZero();
    }

    @Test
    void aStatusThatReadsAnAnswerLoadsItsJsonReaderFromTheArchiveToo() throws Exception {
        // An admin API's answer: the first archive was trained against a closed port, so every call
        // that read one loaded and verified Jackson's reading side (some 600 classes) from the jar.
        byte[] answer = ("{\"state\":\"running\",\"queueDepth\":0,\"queuedBytes\":0,\"inFlight\":0,"
                + "\"inFlightInScope\":0,\"oldestHeldMs\":0,\"maxQueueDepth\":0,\"counters\":{\"held\":0,"
                + "\"released\":0,\"timedOut\":0,\"rejected\":0,\"clientGone\":0,\"pausesResumed\":0,"
                + "\"pausesExpired\":0},\"limits\":{\"queueTimeoutMs\":30000,\"maxPauseMs\":300000,"
                + "\"maxQueued\":10000,\"maxQueuedBytes\":67108864}}").getBytes(StandardCharsets.UTF_8);
        HttpServer admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        admin.createContext("/v1/status", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (var body = exchange.getResponseBody()) {
                body.write(answer);
            }
        });
        admin.start();
        try {
            Result r = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info"),
                    "--target", "http://127.0.0.1:" + admin.getAddress().getPort(), "status");
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains(": running")
                    .contains("io.pausectl.api.AnswerReader source: shared objects file (top)",
                            "com.fasterxml.jackson.core.JsonFactory source: shared objects file (top)");
            // The answer is read by the streaming reader: databind (its mapper's date format scans the
            // locales, its record deserializers read annotations) is never set up for a text status.
            assertThat(r.out()).doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ");
            // picocli's model of a status call is built in code (CodedModel): no annotation read, so no
            // annotation proxy class spun (Java 17 cannot archive them; they were a fifth of the call).
            assertThat(r.out().lines().filter(l -> l.contains("$Proxy"))).as(r.out()).isEmpty();
            // picocli's classes too: the build rewrites its Java 5 class files (which CDS refuses to
            // archive; 181 of them loaded and verified from the jar at every call) as Java 8 ones.
            assertThat(r.out()).contains("picocli.CommandLine source: shared objects file (top)",
                    "picocli.CommandLine$Model$CommandSpec source: shared objects file (top)");
            // Not one class looked for outside the archive: each such look-up opened the 8.6 MB jar and
            // read its central directory (picocli's default factory looking for Groovy, the JDK's
            // HttpURLConnection looking up URL handler and logger services on the class path).
            long fromTheJar = r.out().lines().filter(l -> l.contains("source: file:")).count();
            assertThat(fromTheJar).as(r.out()).isZero();
            assertThat(r.out()).doesNotContain("sun.net.www.protocol.http.HttpURLConnection ",
                    "picocli.CommandLine$DefaultFactory ");
            // String concatenation compiled without invokedynamic: no method-handle classes spun for
            // it at every call (there were 80).
            long spun = r.out().lines().filter(l -> l.contains("LambdaForm$MH") && l.contains("__JVM_LookupDefineClass__"))
                    .count();
            assertThat(spun).as(r.out()).isLessThan(10);
        } finally {
            admin.stop(0);
        }
    }

    @Test
    void aPauseAndItsResumeWriteTheirRequestsWithoutDatabindAndAnAnnotationModel() throws Exception {
        byte[] paused = ("{\"state\":\"paused\",\"queueDepth\":0,\"inFlight\":0,\"inFlightInScope\":0,"
                + "\"lease\":{\"id\":\"l-1\",\"holder\":\"pausectl/t\",\"reason\":\"r\","
                + "\"expiresAt\":\"2030-01-01T00:00:00Z\"},\"pausedSince\":\"2029-12-31T23:59:00Z\","
                + "\"limits\":{\"queueTimeoutMs\":30000,\"maxPauseMs\":300000,\"maxQueued\":10000,"
                + "\"maxQueuedBytes\":67108864}}").getBytes(StandardCharsets.UTF_8);
        HttpServer admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] running = "{\"state\":\"running\"}".getBytes(StandardCharsets.UTF_8);
        admin.createContext("/v1/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = exchange.getRequestURI().getPath().equals("/v1/resume") ? running : paused;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (var body = exchange.getResponseBody()) {
                body.write(answer);
            }
        });
        admin.start();
        try {
            String target = "http://127.0.0.1:" + admin.getAddress().getPort();
            Result pause = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "--target", target, "pause",
                    "--ttl", "30s");
            assertThat(pause.code()).as(pause.out()).isZero();
            assertThat(pause.out()).contains("paused, lease l-1").contains("io.pausectl.api.RecordWriter source:");
            // The request's body is written by jackson-core's generator, not databind (whose mapper's
            // set-up was a third of the call), and pause's model is built in code (CodedModel).
            assertThat(pause.out()).doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ");
            assertThat(pause.out().lines().filter(l -> l.contains("$Proxy"))).as(pause.out()).isEmpty();
            Result resume = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "--target", target,
                    "-o", "json", "resume", "--force");
            assertThat(resume.code()).as(resume.out()).isZero();
            assertThat(resume.out()).contains("{\"targets\":[{\"target\":\"" + target + "\"")
                    .doesNotContain("com.fasterxml.jackson.databind.ObjectMapper ");
        } finally {
            admin.stop(0);
        }
    }

    @Test
    void theArchiveIsMappedWhateverSpellingOfTheLaunchersPathTheCallUses() throws Exception {
        // The JVM maps an archive only for the class path it was made with, string for string: the
        // build made it for target/pausectl's absolute path, and ./pausectl went without it.
        Path target = LAUNCHER.toAbsolutePath().getParent();
        for (String spelling : List.of("./pausectl", "../target/./pausectl")) {
            ProcessBuilder pb = new ProcessBuilder(spelling, "--target", "http://127.0.0.1:" + closedPort(), "status")
                    .directory(target.toFile()).redirectErrorStream(true).redirectInput(new File("/dev/null"));
            pb.environment().put("JAVA_OPTS", "-Xlog:class+load=info");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isEqualTo(ExitCodes.ERROR);
            assertThat(classesFromTheArchive(out)).as(spelling).isGreaterThan(200);
        }
    }

    @Test
    void aCopyElsewhereGetsItsOwnArchiveWithPausectlCdsDump() throws Exception {
        Path copy = Files.copy(LAUNCHER, dir.resolve("pausectl"));
        assertThat(copy.toFile().setExecutable(true)).isTrue();
        // The build's archive is for the build's file: a copy does without it, quietly.
        Files.copy(LAUNCHER.resolveSibling("pausectl.jsa"), dir.resolve("pausectl.jsa"));
        Result stale = run(copy, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "--version");
        assertThat(stale.code()).as(stale.out()).isZero();
        assertThat(classesFromTheArchive(stale.out())).isZero();
        assertThat(stale.out()).doesNotContain("warning");

        Result dump = run(copy, Map.of("PAUSECTL_CDS", "dump"));
        assertThat(dump.code()).as(dump.out()).isZero();
        assertThat(dump.out()).contains("pausectl: wrote " + copy + ".jsa");
        Result fast = run(copy, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "--target",
                "http://127.0.0.1:" + closedPort(), "status");
        assertThat(classesFromTheArchive(fast.out())).isGreaterThan(200);
    }

    /**
     * {@code run} as built, with its JNA from the shaded jar, and a real SIGTERM: the command leaves a job whose
     * parent exits at once (a double fork), so only pausectl as the job's subreaper finds it; the signal reaches
     * the job and pausectl exits once it has ended, not before. On the old code the job, orphaned before any
     * snapshot, never got the signal.
     */
    @Test
    void runsSigtermReachesAJobOrphanedByTheCommand() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean resumed = new java.util.concurrent.atomic.AtomicBoolean();
        byte[] paused = ("{\"state\":\"paused\",\"queueDepth\":0,\"inFlight\":0,\"inFlightInScope\":0,"
                + "\"lease\":{\"id\":\"l-1\",\"holder\":\"pausectl/t\",\"reason\":\"r\","
                + "\"expiresAt\":\"2030-01-01T00:00:00Z\"},\"pausedSince\":\"2029-12-31T23:59:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] running = "{\"state\":\"running\"}".getBytes(StandardCharsets.UTF_8);
        HttpServer admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        admin.createContext("/v1/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v1/pause")) {
                resumed.set(false);
            } else if (path.equals("/v1/resume")) {
                resumed.set(true);
            }
            byte[] answer = resumed.get() ? running : paused;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (var body = exchange.getResponseBody()) {
                body.write(answer);
            }
        });
        admin.start();
        Path err = dir.resolve("err");
        Process pausectl = null;
        try {
            Files.writeString(dir.resolve("job.sh"), "trap 'touch \"$1/gotterm\"; exit 0' TERM\n"
                    + "echo $$ > \"$1/job.pid\"\n"
                    + "while [ -d \"$1\" ] && [ ! -e \"$1/go\" ]; do sleep 0.02; done\n");
            pausectl = new ProcessBuilder(LAUNCHER.toAbsolutePath().toString(), "--target",
                    "http://127.0.0.1:" + admin.getAddress().getPort(), "run", "--wait-idle", "1s", "--kill-after",
                    "60s", "--", "sh", "-c", "( sh \"$1/job.sh\" \"$1\" & ); while [ ! -e \"$1/job.pid\" ];"
                    + " do sleep 0.02; done; exec sleep 60", "sh", dir.toString())
                    .redirectInput(new File("/dev/null")).redirectOutput(dir.resolve("out").toFile())
                    .redirectError(err.toFile()).start();
            Process p = pausectl;
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> Files.exists(dir.resolve("job.pid")) || !p.isAlive());
            long job = Long.parseLong(Files.readString(dir.resolve("job.pid")).strip());
            pausectl.destroy(); // SIGTERM; pausectl's handlers are in place before the command starts
            assertThat(pausectl.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(err)).isTrue();
            assertThat(pausectl.exitValue()).as(Files.readString(err)).isEqualTo(128 + 15);
            assertThat(Files.exists(dir.resolve("gotterm"))).as(Files.readString(err)).isTrue();
            assertThat(ProcessHandle.of(job).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(Files.readString(err)).doesNotContain("cannot adopt");
        } finally {
            Files.writeString(dir.resolve("go"), "");
            if (pausectl != null) {
                pausectl.destroyForcibly();
            }
            admin.stop(0);
        }
    }
}
