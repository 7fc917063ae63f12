package io.pausectl.testkit.postgres;

import io.pausectl.testkit.containers.ContainerEngine;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.ToStringConsumer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * A PostgreSQL 15 server in a container, through Testcontainers: the image
 * {@link ContainerEngine#POSTGRES_IMAGE} (Debian 12's postgresql-15 package on a Debian base
 * debootstrapped from Debian's archive by {@code scripts/container-engine.sh}; nothing is pulled).
 * The container runs on the host's network and the server listens on 127.0.0.1 at a free port,
 * so that clients of this machine (pgjdbc, {@code psql}, {@code pausectl run --postgres}) reach
 * it as they reach {@link LocalPostgres}. Tuned as that one is ({@code fsync} and synchronous
 * commit off: the data are thrown away). {@link #close()} stops and removes the container.
 *
 * <p>A plain {@code GenericContainer} rather than Testcontainers' {@code PostgreSQLContainer}:
 * that one insists on the official image's name and on its two-phase start-up log.
 */
public final class ContainerPostgres extends LoopbackPostgres {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int PORT_ATTEMPTS = 3;

    private final GenericContainer<?> container;

    private ContainerPostgres(GenericContainer<?> container, int port, String password, int majorVersion) {
        super(port, password, majorVersion);
        this.container = container;
    }

    /**
     * The launcher for containers; required in CI, whose {@code .ci/run} sets the engine up. Its
     * {@code toString()} names the image and the engine, for test reports.
     */
    public static PostgresLauncher launcher() {
        return new PostgresLauncher() {
            @Override
            public String name() {
                return "container";
            }

            @Override
            public String unavailableReason() {
                return ContainerEngine.probe().whyNot(ContainerEngine.POSTGRES_IMAGE);
            }

            @Override
            public boolean requiredInCi() {
                return true;
            }

            @Override
            public PostgresServer start() {
                return ContainerPostgres.start();
            }

            @Override
            public String toString() {
                ContainerEngine engine = ContainerEngine.probe();
                return "container " + ContainerEngine.POSTGRES_IMAGE
                        + (engine.available() ? " on " + engine.description() : " (no engine)");
            }
        };
    }

    /**
     * Starts a container and waits until the server accepts connections.
     *
     * @throws IllegalStateException when there is no engine or image, or the server does not accept
     *                               connections within 90s (the message has the container's log)
     */
    public static ContainerPostgres start() {
        String missing = ContainerEngine.probe().whyNot(ContainerEngine.POSTGRES_IMAGE);
        if (missing != null) {
            throw new IllegalStateException(missing);
        }
        String password = newPassword();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int port;
            try {
                port = freePort();
            } catch (IOException e) {
                throw new IllegalStateException("no free loopback port: " + e, e);
            }
            ToStringConsumer log = new ToStringConsumer();
            GenericContainer<?> container = new GenericContainer<>(ContainerEngine.POSTGRES_IMAGE)
                    .withNetworkMode("host")
                    .withEnv("POSTGRES_USER", USER)
                    .withEnv("POSTGRES_PASSWORD", password)
                    .withEnv("POSTGRES_DB", DATABASE)
                    .withCommand("-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
                            "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
                            "-c", "max_connections=100", "-c", "shared_buffers=32MB")
                    .withLogConsumer(log)
                    .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 1)
                            .withStartupTimeout(START_TIMEOUT));
            try {
                container.start();
            } catch (RuntimeException e) {
                String output = log.toUtf8String();
                container.stop();
                if (output.contains("could not bind") || output.contains("Address already in use")) {
                    last = new IllegalStateException("port " + port + " was taken: " + tail(output));
                    continue;
                }
                throw new IllegalStateException("PostgreSQL in " + ContainerEngine.POSTGRES_IMAGE
                        + " did not get ready (" + e.getMessage() + "); its log: " + tail(output), e);
            }
            try {
                int major;
                try (Connection c = connect(port, DATABASE, password, 5)) {
                    major = majorVersion(c);
                }
                return new ContainerPostgres(container, port, password, major);
            } catch (SQLException e) {
                container.stop();
                throw new IllegalStateException("PostgreSQL in " + ContainerEngine.POSTGRES_IMAGE
                        + " said it was ready but refused a connection: " + e + "; its log: " + tail(log.toUtf8String()), e);
            }
        }
        throw last;
    }

    /** The container's id on the engine. */
    public String containerId() {
        return container.getContainerId();
    }

    /** What the server wrote so far, for failure messages. */
    public String log() {
        return container.getLogs();
    }

    /** Stops and removes the container (the data go with it). Idempotent. */
    @Override
    public void close() {
        container.stop();
    }

    private static String tail(String output) {
        return tail(output.lines().toList());
    }
}
