package io.pausectl.testkit.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server started from the binaries installed here ({@code initdb}, {@code postgres}), in a
 * scratch data directory under the system temp directory, on a free loopback port, with its UNIX
 * socket in that directory too, and stopped by the postmaster's PID (SIGINT: fast shutdown, then
 * SIGKILL if it has not stopped within 30s). Tuned for tests: {@code fsync}, {@code full_page_writes}
 * and synchronous commit are off, so a crash may lose the (throw-away) data.
 *
 * <p>Binaries: the directory in {@code PG_BIN}, else the newest {@code /usr/lib/postgresql/N/bin}
 * (Debian's layout), else the PATH. {@code initdb} and {@code postgres} refuse to run as root: as
 * root the server runs as the {@code postgres} user ({@code runuser -u postgres --}), which owns the
 * scratch directory.
 *
 * <p>Authentication: password (SCRAM) over TCP for the superuser {@value #USER}, trust over the
 * socket; the database {@value #DATABASE} is created for the caller.
 */
public final class LocalPostgres extends LoopbackPostgres {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    private final Path scratch;
    private final Process process;
    private final long postmasterPid;
    private final Thread shutdownHook;
    private boolean closed;

    private LocalPostgres(Path scratch, Process process, long postmasterPid, int port, String password,
                          int majorVersion) {
        super(port, password, majorVersion);
        this.scratch = scratch;
        this.process = process;
        this.postmasterPid = postmasterPid;
        // A JVM that ends without close() (a failed run, Ctrl-C on the bench) still stops its server.
        this.shutdownHook = new Thread(this::stop, "local-postgres-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The launcher for this machine's binaries; {@link PostgresLauncher#unavailableReason()} says what is missing. */
    public static PostgresLauncher launcher() {
        return new PostgresLauncher() {
            @Override
            public String name() {
                return "local";
            }

            @Override
            public String unavailableReason() {
                return LocalPostgres.unavailableReason();
            }

            @Override
            public boolean requiredInCi() {
                return true;
            }

            @Override
            public PostgresServer start() {
                return LocalPostgres.start();
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    /** Null when a server can be started here, else why not (one line, with the fix). */
    public static String unavailableReason() {
        Optional<Path> bin = binDir();
        if (bin.isEmpty()) {
            return "no PostgreSQL binaries (looked at $PG_BIN, /usr/lib/postgresql/*/bin, the PATH);"
                    + " install them (apt-get install postgresql)";
        }
        if (asRoot()) {
            if (findOnPath("runuser").isEmpty()) {
                return "running as root, and no runuser to start PostgreSQL as the postgres user";
            }
            if (postgresUser().isEmpty()) {
                return "running as root, and no postgres user to start PostgreSQL as (initdb refuses root)";
            }
        }
        return null;
    }

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @throws IllegalStateException when the binaries are missing, initdb fails, or the server does not
     *                               accept connections within 60s (the message has its log's tail)
     */
    public static LocalPostgres start() {
        String missing = unavailableReason();
        if (missing != null) {
            throw new IllegalStateException(missing);
        }
        Path bin = binDir().orElseThrow();
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("pausectl-pg-");
            giveToServerUser(scratch);
            String password = newPassword();
            Path pwfile = scratch.resolve("pwfile");
            Files.writeString(pwfile, password + "\n");
            giveToServerUser(pwfile);
            Path data = scratch.resolve("data");
            run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                    "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                    "--locale=C", "--no-sync"), scratch.resolve("initdb.log"), Duration.ofSeconds(120));
            Files.delete(pwfile);
            IllegalStateException last = null;
            for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                try {
                    return startOn(bin, scratch, data, freePort(), password);
                } catch (PortTakenException e) {
                    last = e;
                }
            }
            throw last;
        } catch (IOException e) {
            deleteQuietly(scratch);
            throw new IllegalStateException("could not start PostgreSQL: " + e, e);
        } catch (RuntimeException e) {
            deleteQuietly(scratch);
            throw e;
        }
    }

    private static LocalPostgres startOn(Path bin, Path scratch, Path data, int port, String password)
            throws IOException {
        Path log = scratch.resolve("postgres-" + port + ".log");
        List<String> command = asServerUser(List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(port), "-k", scratch.toString(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "synchronous_commit=off", "-c", "max_connections=100", "-c", "shared_buffers=32MB"));
        Process process = new ProcessBuilder(command).directory(scratch.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        SQLException lastError = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String tail = tail(log);
                if (tail.contains("could not bind") || tail.contains("Address already in use")) {
                    throw new PortTakenException(tail);
                }
                throw new IllegalStateException("PostgreSQL exited with " + process.exitValue() + "; its log: " + tail);
            }
            try (Connection c = connect(port, "postgres", password, 2); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
                int major = majorVersion(c);
                long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
                return new LocalPostgres(scratch, process, pid, port, password, major);
            } catch (SQLException e) {
                lastError = e;
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopProcessTree(process);
                throw new IllegalStateException("interrupted while PostgreSQL started");
            }
        }
        stopProcessTree(process);
        throw new IllegalStateException("PostgreSQL did not accept connections within " + START_TIMEOUT.toSeconds()
                + "s (last error: " + lastError + "); its log: " + tail(log));
    }

    /** The postmaster's process id. */
    public long pid() {
        return postmasterPid;
    }

    /** The scratch directory: data directory, UNIX socket, server log. */
    public Path scratch() {
        return scratch;
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs stop(), which is idempotent
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        // SIGINT is PostgreSQL's fast shutdown: sessions are ended, not waited for (SIGTERM would wait).
        signal(postmasterPid, "INT");
        Optional<ProcessHandle> postmaster = ProcessHandle.of(postmasterPid);
        try {
            if (postmaster.isPresent()) {
                postmaster.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            signal(postmasterPid, "KILL");
        }
        stopProcessTree(process);
        deleteQuietly(scratch);
    }

    private static void signal(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stopProcessTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(List<String> command, Path log, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(asServerUser(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).directory(log.getParent().toFile()).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stopProcessTree(p);
                throw new IllegalStateException(command.get(0) + " did not finish within " + timeout.toSeconds()
                        + "s; its log: " + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopProcessTree(p);
            throw new IllegalStateException("interrupted while running " + command.get(0));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(Path.of(command.get(0)).getFileName() + " failed with " + p.exitValue()
                    + "; its log: " + tail(log));
        }
    }

    private static List<String> asServerUser(List<String> command) {
        if (!asRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(findOnPath("runuser").orElseThrow().toString(),
                "-u", "postgres", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static void giveToServerUser(Path path) throws IOException {
        if (!asRoot()) {
            return;
        }
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName("postgres"));
        try {
            GroupPrincipal group = lookup.lookupPrincipalByGroupName("postgres");
            view.setGroup(group);
        } catch (IOException e) {
            // no postgres group: the owner is enough
        }
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Optional<UserPrincipal> postgresUser() {
        try {
            return Optional.of(Path.of("/").getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * A client program of the same installation, e.g. {@code psql}: tests run it as the migration, the
     * way a user's own migration tool connects (from this machine, also to a server in a container).
     */
    public static Optional<Path> clientBinary(String name) {
        return binDir().map(dir -> dir.resolve(name)).filter(Files::isExecutable)
                .or(() -> findOnPath(name));
    }

    /** Where initdb and postgres are: $PG_BIN, the newest /usr/lib/postgresql/N/bin, or the PATH. */
    static Optional<Path> binDir() {
        String explicit = System.getenv("PG_BIN");
        if (explicit != null && !explicit.isBlank()) {
            return hasServer(Path.of(explicit)) ? Optional.of(Path.of(explicit)) : Optional.empty();
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .sorted(Comparator.comparingInt((Path v) -> Integer.parseInt(v.getFileName().toString()))
                                .reversed())
                        .map(v -> v.resolve("bin")).filter(LocalPostgres::hasServer).findFirst();
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                // unreadable: try the PATH
            }
        }
        return findOnPath("initdb").map(Path::getParent).filter(LocalPostgres::hasServer);
    }

    private static boolean hasServer(Path dir) {
        return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("postgres"));
    }

    private static Optional<Path> findOnPath(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .findFirst();
    }

    private static String tail(Path log) {
        try {
            return tail(Files.readAllLines(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a scratch directory left in /tmp is harmless
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }

    /** The port chosen was taken between choosing it and the server binding it: try another. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String log) {
            super("the port was taken: " + log);
        }
    }
}
