package io.pausectl.testkit.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.api.model.VersionComponent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/**
 * The container engine that Testcontainers finds here, probed once per JVM, and the images the
 * container launchers of the end-to-end suites run. The images are built from Debian's own
 * archive by {@code scripts/container-engine.sh}; nothing is ever pulled from a registry.
 *
 * <p>When there is no engine, or an image is missing, {@link #require(String...)} skips the test
 * with the reason, except where the environment variable {@code CI} is set: there it fails, so
 * that CI can never pass by skipping the container-launched tests.
 */
public final class ContainerEngine {
    /** Debian 12 (minbase), debootstrapped and imported. */
    public static final String DEBIAN_IMAGE = "localhost/pausectl/debian:12";
    /** PostgreSQL 15 from Debian 12's packages, on {@link #DEBIAN_IMAGE}. */
    public static final String POSTGRES_IMAGE = "localhost/pausectl/postgres:15";
    /** HAProxy 2.6 from Debian 12's packages, on {@link #DEBIAN_IMAGE}. */
    public static final String HAPROXY_IMAGE = "localhost/pausectl/haproxy:2.6";

    private static final String PODMAN_SOCKET = "/run/podman/podman.sock";
    private static final String SETUP = "run scripts/container-engine.sh as root (podman), then"
            + " eval \"$(scripts/container-engine.sh --env)\" in the shell that runs mvn";

    private static ContainerEngine probed;

    private final String description;
    private final String unavailableReason;

    private ContainerEngine(String description, String unavailableReason) {
        this.description = description;
        this.unavailableReason = unavailableReason;
    }

    /** The engine here, probed on the first call (a few hundred ms when there is one). */
    public static synchronized ContainerEngine probe() {
        if (probed == null) {
            probed = probeNow();
        }
        return probed;
    }

    private static ContainerEngine probeNow() {
        String configured = configuredHost();
        if (configured == null) {
            String reason = Files.exists(Path.of(PODMAN_SOCKET))
                    ? "no container engine configured for Testcontainers: DOCKER_HOST is not set, though "
                            + PODMAN_SOCKET + " exists; " + SETUP
                    : "no container engine: DOCKER_HOST is not set and /var/run/docker.sock does not exist; "
                            + SETUP + ", or start Docker";
            return new ContainerEngine(null, reason);
        }
        DockerClientFactory factory = DockerClientFactory.instance();
        if (!factory.isDockerAvailable()) {
            return new ContainerEngine(null, "no container engine answers at " + configured + "; " + SETUP);
        }
        Version version = factory.client().versionCmd().exec();
        boolean podman = podman(version);
        String description = (podman ? "podman " : "Docker ") + version.getVersion()
                + " (API " + version.getApiVersion() + ") at " + factory.getTransportConfig().getDockerHost();
        if (podman && !Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            return new ContainerEngine(description, "the engine is " + description
                    + ", which cannot pull Testcontainers' Ryuk image here: set TESTCONTAINERS_RYUK_DISABLED=true ("
                    + SETUP + ")");
        }
        return new ContainerEngine(description, null);
    }

    /** DOCKER_HOST, docker.host in ~/.testcontainers.properties, or Docker's default socket when present. */
    private static String configuredHost() {
        String env = System.getenv("DOCKER_HOST");
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path userProperties = Path.of(System.getProperty("user.home"), ".testcontainers.properties");
        if (Files.isReadable(userProperties)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(userProperties)) {
                properties.load(in);
            } catch (IOException e) {
                return null;
            }
            String host = properties.getProperty("docker.host");
            if (host != null && !host.isBlank()) {
                return host;
            }
        }
        return Files.exists(Path.of("/var/run/docker.sock")) ? "unix:///var/run/docker.sock" : null;
    }

    private static boolean podman(Version version) {
        List<VersionComponent> components = version.getComponents();
        return components != null && components.stream()
                .anyMatch(c -> c.getName() != null && c.getName().toLowerCase().contains("podman"));
    }

    /** Whether an engine answers here. */
    public boolean available() {
        return unavailableReason == null;
    }

    /** Why not, when not {@link #available()}. */
    public String unavailableReason() {
        return unavailableReason;
    }

    /** E.g. {@code podman 4.3.1 (API 1.41) at unix:///run/podman/podman.sock}, for test reports. */
    public String description() {
        if (description == null) {
            throw new IllegalStateException(unavailableReason);
        }
        return description;
    }

    /**
     * Why these images cannot be run here (no engine, or images missing), or {@code null} when
     * they can. A missing image is never pulled: the reason says how to build it.
     */
    public String whyNot(String... images) {
        if (!available()) {
            return unavailableReason;
        }
        DockerClient client = DockerClientFactory.instance().client();
        List<String> missing = new ArrayList<>();
        for (String image : images) {
            try {
                client.inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                missing.add(image);
            }
        }
        return missing.isEmpty() ? null
                : "image " + String.join(", ", missing) + " not found on " + description
                        + " (nothing is pulled): " + SETUP;
    }

    /**
     * Returns when {@code images} can be run here. Otherwise aborts the calling test (reported as
     * skipped, with the reason), or, where {@code CI} is set, fails it.
     */
    public static ContainerEngine require(String... images) {
        ContainerEngine engine = probe();
        String reason = engine.whyNot(images);
        if (reason == null) {
            return engine;
        }
        if (System.getenv("CI") != null) {
            throw new IllegalStateException("CI is set, so the container-launched tests must run: " + reason);
        }
        throw new TestAbortedException("skipped locally: " + reason);
    }
}
