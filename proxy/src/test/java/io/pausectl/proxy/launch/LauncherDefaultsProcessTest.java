package io.pausectl.proxy.launch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged launcher ({@code target/pause-proxy}) runs the JVM with the sidecar defaults, and
 * JAVA_OPTS replaces a default of the same kind instead of clashing with it (two collectors make
 * the JVM refuse to start).
 */
class LauncherDefaultsProcessTest {
    private static final Path LAUNCHER = Path.of("target", "pause-proxy");

    @Test
    void theLauncherStartsTheJvmWithTheSidecarDefaults() throws Exception {
        String flags = run("-XX:+PrintCommandLineFlags");

        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:MaxHeapSize=134217728", "-XX:MaxDirectMemorySize=67108864")
                .contains("pause-proxy ");
    }

    @Test
    void javaOptsReplaceTheDefaultsOfTheirKind() throws Exception {
        String flags = run("-XX:+PrintCommandLineFlags -XX:+UseParallelGC -XX:MaxRAMPercentage=10");

        assertThat(flags).contains("-XX:+UseParallelGC", "pause-proxy ")
                .doesNotContain("UseSerialGC", "-XX:MaxHeapSize=134217728");
    }

    private static String run(String javaOpts) throws IOException, InterruptedException {
        assertThat(LAUNCHER).as("built by mvn package").isExecutable();
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("JAVA_OPTS", javaOpts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
