package io.pausectl.testkit.postgres;

import io.pausectl.testkit.containers.ContainerEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
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
public final class ContainerPostgres implements PostgresServer {
    public static final String USER = "pausectl";
    public static final String DATABASE = "pausectl";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int PORT_ATTEMPTS = 3;

    private final GenericContainer<?> container;
    private final int port;
    private final String password;
    private final int majorVersion;

    private ContainerPostgres(GenericContainer<?> container, int port, String password, int majorVersion) {
        this.container = container;
        this.port = port;
        this.password = password;
        this.majorVersion = majorVersion;
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
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        IllegalStateException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int port = freePort();
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
                return new ContainerPostgres(container, port, password, majorVersion(port, password));
            } catch (SQLException e) {
                container.stop();
                throw new IllegalStateException("PostgreSQL in " + ContainerEngine.POSTGRES_IMAGE
                        + " said it was ready but refused a connection: " + e + "; its log: " + tail(log.toUtf8String()), e);
            }
        }
        throw last;
    }

    private static int majorVersion(int port, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        props.setProperty("ApplicationName", "pausectl-testkit");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1)) / 10000;
        }
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public String database() {
        return DATABASE;
    }

    @Override
    public int majorVersion() {
        return majorVersion;
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port: " + e, e);
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
