package io.pausectl.testkit.postgres;

/**
 * A running PostgreSQL server that a test or a bench talks to over TCP: started on a free port,
 * reachable at {@link #host()}:{@link #port()}, with one database and one superuser that has a
 * password. {@link #close()} stops it and removes what it started (data directory, container).
 *
 * <p>Implementations: {@link LocalPostgres} (the binaries installed on this machine) and
 * {@link ContainerPostgres}, sharing {@link LoopbackPostgres}; scenarios take a {@link PostgresLauncher} so that one scenario runs on either.
 */
public interface PostgresServer extends AutoCloseable {

    /** The host to connect to, a loopback address. */
    String host();

    /** The TCP port the server listens on. */
    int port();

    /** A superuser of this server. */
    String user();

    /** That user's password (password authentication over TCP). */
    String password();

    /** The database created for the caller. */
    String database();

    /** {@code jdbc:postgresql://host:port/database}, without credentials. */
    default String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
    }

    /**
     * {@code postgresql://user:password@host:port/database}: the libpq form, which {@code psql} and
     * {@code pausectl run --postgres} take.
     */
    default String uri() {
        return "postgresql://" + user() + ":" + password() + "@" + host() + ":" + port() + "/" + database();
    }

    /** The server's major version, e.g. 15. */
    int majorVersion();

    /** Stops the server (and waits until it has stopped), then removes its scratch state. */
    @Override
    void close();
}
