package io.pausectl.cli.haproxy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the {@code haproxy} binary found in {@code HAPROXY_BIN}, on the PATH, or in /usr/sbin. */
final class LocalHaproxyLauncher implements HaproxyLauncher {
    private final Path binary;

    LocalHaproxyLauncher() {
        this.binary = find();
    }

    private static Path find() {
        String explicit = System.getenv("HAPROXY_BIN");
        if (explicit != null && !explicit.isBlank()) {
            return Files.isExecutable(Path.of(explicit)) ? Path.of(explicit) : null;
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, "haproxy");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    @Override
    public boolean available() {
        return binary != null;
    }

    @Override
    public String unavailableReason() {
        return "no haproxy binary (looked at $HAPROXY_BIN, the PATH, /usr/sbin, /usr/local/sbin);"
                + " install it (apt-get install haproxy) to run the HAProxy integration tests";
    }

    @Override
    public String versionLine() throws Exception {
        Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().findFirst().orElse("");
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
        Path cfg = workDir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        Path log = workDir.resolve("haproxy.log");
        Process p = new ProcessBuilder(binary.toString(), "-db", "-f", cfg.toString())
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new RunningHaproxy(p, log);
    }
}
