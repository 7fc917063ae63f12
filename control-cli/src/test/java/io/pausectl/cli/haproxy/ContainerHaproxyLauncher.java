package io.pausectl.cli.haproxy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.pausectl.testkit.containers.ContainerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;

/**
 * HAProxy in a container, through Testcontainers: the image {@link ContainerEngine#HAPROXY_IMAGE}
 * (Debian 12's haproxy package on a Debian base debootstrapped from Debian's archive by
 * {@code scripts/container-engine.sh}). The container runs on the host's network, so HAProxy binds
 * and reaches the test's 127.0.0.1 ports as a local one does; the work directory (configuration,
 * stats sockets) and deploy/haproxy (the gate) are bind-mounted at the paths the test uses, so
 * the UNIX and TCP runtime API answer the test where the configuration says.
 */
final class ContainerHaproxyLauncher implements HaproxyLauncher {
    private static final Duration ONE_SHOT_TIMEOUT = Duration.ofSeconds(60);

    private String versionLine;

    @Override
    public String name() {
        return "container";
    }

    @Override
    public boolean available() {
        return unavailableReason() == null;
    }

    @Override
    public String unavailableReason() {
        return ContainerEngine.probe().whyNot(ContainerEngine.HAPROXY_IMAGE);
    }

    @Override
    public synchronized String versionLine() throws Exception {
        if (versionLine == null) {
            OneShot run = oneShot(Set.of(), Map.of(), "-v");
            if (run.exitCode() != 0) {
                throw new IllegalStateException("haproxy -v in " + ContainerEngine.HAPROXY_IMAGE + " exited with "
                        + run.exitCode() + ": " + run.output());
            }
            versionLine = run.output().lines().findFirst().orElse("");
        }
        return versionLine;
    }

    @Override
    public CheckResult check(Path config, Map<String, String> environment) throws Exception {
        Set<Path> mounts = new LinkedHashSet<>();
        mounts.add(config.toAbsolutePath().getParent());
        // Files the configuration reaches through its environment (e.g. PAUSECTL_GATE_LUA).
        for (String value : environment.values()) {
            Path path = Path.of(value).toAbsolutePath();
            if (Files.exists(path)) {
                mounts.add(Files.isDirectory(path) ? path : path.getParent());
            }
        }
        OneShot run = oneShot(mounts, environment, "-c", "-f", config.toAbsolutePath().toString());
        return new CheckResult(run.exitCode(), run.output());
    }

    @Override
    public RunningHaproxy start(Path workDir, String config) throws Exception {
        Path cfg = Files.createTempFile(workDir, "haproxy", ".cfg");
        Files.writeString(cfg, config);
        GenericContainer<?> container = container(Set.of(workDir.toAbsolutePath(), HaproxyIntegrationTest.deployDir()), Map.of())
                .withCommand("-db", "-f", cfg.toAbsolutePath().toString())
                .withStartupCheckStrategy(new Started());
        container.start();
        return new ContainerRunningHaproxy(container);
    }

    private GenericContainer<?> container(Set<Path> mounts, Map<String, String> environment) {
        GenericContainer<?> container = new GenericContainer<>(ContainerEngine.HAPROXY_IMAGE)
                .withNetworkMode("host")
                .withEnv(environment);
        for (Path dir : mounts) {
            container.withFileSystemBind(dir.toString(), dir.toString(),
                    dir.endsWith(Path.of("deploy", "haproxy")) ? BindMode.READ_ONLY : BindMode.READ_WRITE);
        }
        return container;
    }

    /** Runs haproxy with {@code args} to its end: its exit code and output. */
    private OneShot oneShot(Set<Path> mounts, Map<String, String> environment, String... args) throws Exception {
        try (GenericContainer<?> container = container(mounts, environment)
                .withCommand(args)
                .withStartupCheckStrategy(new Started())) {
            container.start();
            Long exit = container.getDockerClient().waitContainerCmd(container.getContainerId()).start()
                    .awaitStatusCode(ONE_SHOT_TIMEOUT.toSeconds(), TimeUnit.SECONDS).longValue();
            return new OneShot(exit.intValue(), container.getLogs());
        }
    }

    private record OneShot(int exitCode, String output) {
    }

    /**
     * Started is enough, as for a local process: whether HAProxy then runs, and why it exited,
     * is for the caller to see ({@link RunningHaproxy#alive()}, {@link RunningHaproxy#log()}).
     */
    private static final class Started extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(com.github.dockerjava.api.DockerClient client, String containerId) {
            return StartupStatus.SUCCESSFUL;
        }
    }

    /** Display name of the suite's invocations: the version, the image and the engine. */
    @Override
    public String toString() {
        String reason = unavailableReason();
        if (reason != null) {
            return "HAProxy container (missing: " + ContainerEngine.HAPROXY_IMAGE + ")";
        }
        try {
            return "HAProxy " + version() + " (container " + ContainerEngine.HAPROXY_IMAGE + " on "
                    + ContainerEngine.probe().description() + ")";
        } catch (Exception e) {
            return "HAProxy container (" + ContainerEngine.HAPROXY_IMAGE + ", version unreadable: " + e.getMessage() + ")";
        }
    }

    /** The container; closing it stops and removes it. */
    private record ContainerRunningHaproxy(GenericContainer<?> container) implements RunningHaproxy {
        @Override
        public boolean alive() {
            InspectContainerResponse.ContainerState state = container.getDockerClient()
                    .inspectContainerCmd(container.getContainerId()).exec().getState();
            return Boolean.TRUE.equals(state.getRunning());
        }

        @Override
        public String log() {
            return container.getLogs();
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
