package io.pausectl.testkit.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * What {@link LocalPostgres} and {@link ContainerPostgres} share: a server on 127.0.0.1 at a free
 * port, with the superuser {@value #USER} (a password over TCP) and the database {@value #DATABASE},
 * the accessors of {@link PostgresServer}, and the helpers that start one (a free port, a password,
 * a connection, the server-version probe).
 */
public abstract class LoopbackPostgres implements PostgresServer {
    public static final String USER = "pausectl";
    public static final String DATABASE = "pausectl";

    private final int port;
    private final String password;
    private final int majorVersion;

    LoopbackPostgres(int port, String password, int majorVersion) {
        this.port = port;
        this.password = password;
        this.majorVersion = majorVersion;
    }

    @Override
    public final String host() {
        return "127.0.0.1";
    }

    @Override
    public final int port() {
        return port;
    }

    @Override
    public final String user() {
        return USER;
    }

    @Override
    public final String password() {
        return password;
    }

    @Override
    public final String database() {
        return DATABASE;
    }

    @Override
    public final int majorVersion() {
        return majorVersion;
    }

    /** A fresh password: 24 hex digits. */
    static String newPassword() {
        return HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    }

    /** A loopback port free right now (the server may still lose it to another process). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Connects as {@value #USER} to {@code database} on 127.0.0.1:{@code port}. */
    static Connection connect(int port, String database, String password, int connectTimeoutSeconds)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        props.setProperty("ApplicationName", "pausectl-testkit");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
    }

    /** The server's major version ({@code server_version_num} / 10000, e.g. 15). */
    static int majorVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1)) / 10000;
        }
    }

    /** The last 20 lines of a server's output, for failure messages. */
    static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
