package io.pausectl.cli.haproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an {@code haproxy} binary of this machine, given by its path. */
final class LocalHaproxyLauncher implements HaproxyLauncher {
    private final String name;
    private final Path binary;
    private final String howToGetIt;
    private String versionLine;

    /**
     * @param name       a short label ({@code distribution})
     * @param binary     the executable, or null when none was found
     * @param howToGetIt what to run when it is missing, for the skip or failure message
     */
    LocalHaproxyLauncher(String name, Path binary, String howToGetIt) {
        this.name = name;
        this.binary = binary;
        this.howToGetIt = howToGetIt;
    }

    @Override
    public String name() {
        return name;
    }

    Path binary() {
        return binary;
    }

    @Override
    public boolean available() {
        return binary != null && Files.isExecutable(binary);
    }

    @Override
    public String unavailableReason() {
        return "no " + name + " haproxy binary" + (binary == null ? "" : " at " + binary) + "; " + howToGetIt;
    }

    @Override
    public synchronized String versionLine() throws Exception {
        if (versionLine == null) {
            Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(binary + " -v did not finish within 10s");
            }
            versionLine = out.lines().findFirst().orElse("");
        }
        return versionLine;
    }

    @Override
    public CheckResult check(Path config, Map<String, String> environment) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-c", "-f", config.toString()).redirectErrorStream(true);
        pb.environment().putAll(environment);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("haproxy -c did not finish within 30s");
        }
        return new CheckResult(p.exitValue(), out);
    }

    @Override
    public RunningHaproxy start(Path workDir, String config) throws Exception {
        return start(workDir, config, List.of());
    }

    @Override
    public RunningHaproxy startMasterWorker(Path workDir, String config, Path masterSocket) throws Exception {
        return start(workDir, config, List.of("-W", "-S", masterSocket.toString()));
    }

    private RunningHaproxy start(Path workDir, String config, List<String> mode) throws Exception {
        Path cfg = Files.createTempFile(workDir, "haproxy", ".cfg");
        Files.writeString(cfg, config);
        Path log = workDir.resolve(cfg.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-db"));
        command.addAll(mode);
        command.addAll(List.of("-f", cfg.toString()));
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new LocalRunningHaproxy(p, log);
    }

    /** Display name of the suite's invocations: the version and where the binary is. */
    @Override
    public String toString() {
        if (!available()) {
            return "HAProxy " + name + " (missing)";
        }
        try {
            return "HAProxy " + version() + " (" + name + ", " + binary + ")";
        } catch (Exception e) {
            return "HAProxy " + name + " (" + binary + ", version unreadable: " + e.getMessage() + ")";
        }
    }

    /** The process; closing it sends SIGTERM, then SIGKILL after 5 s (a master passes SIGTERM to its workers). */
    private record LocalRunningHaproxy(Process process, Path logFile) implements RunningHaproxy {
        @Override
        public boolean alive() {
            return process.isAlive();
        }

        @Override
        public String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
