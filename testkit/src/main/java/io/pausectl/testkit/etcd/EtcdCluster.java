package io.pausectl.testkit.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real etcd cluster of 1 or 3 members started from the binary installed here (Debian's
 * {@code etcd-server}: {@code ETCD_BIN}, else {@code /usr/bin/etcd}, else the PATH), each member on
 * free loopback ports (client and peer) with its data in a scratch directory under the system temp
 * directory. {@link #start} returns once every member answers {@code GET /health} with
 * {@code "health":"true"}; members are stopped by their PID ({@link #stopMember} SIGTERM,
 * {@link #killMember} SIGKILL), {@link #close} stops them all and deletes the scratch directory.
 *
 * <p>Elections are tuned for tests (heartbeat 50 ms, election timeout 500 ms), so a lost quorum or a
 * new leader shows within a second instead of the default's several.
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int ATTEMPTS = 3;

    private final Path scratch;
    private final List<Member> members;
    private final Thread shutdownHook;
    private boolean closed;

    /** One member: its name, ports, process. */
    private record Member(String name, int clientPort, int peerPort, Process process, Path log) {
        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private EtcdCluster(Path scratch, List<Member> members) {
        this.scratch = scratch;
        this.members = members;
        this.shutdownHook = new Thread(this::stopAll, "etcd-cluster-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Why no cluster can start here (no etcd binary), or null when one can. */
    public static String unavailableReason() {
        return binary() == null ? "no etcd binary (install etcd-server, or set ETCD_BIN)" : null;
    }

    /**
     * Starts {@code size} members (1 or 3) and waits until each is healthy.
     *
     * @throws IllegalStateException when no etcd is installed or the cluster did not become healthy
     *                               within 20 s (three attempts on fresh ports; the last member log is in the message)
     */
    public static EtcdCluster start(int size) throws IOException {
        if (size != 1 && size != 3) {
            throw new IllegalArgumentException("size must be 1 or 3, not " + size);
        }
        String bin = binary();
        if (bin == null) {
            throw new IllegalStateException(unavailableReason());
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Path scratch = Files.createTempDirectory("pausectl-etcd-");
            List<Member> members = launch(bin, scratch, size);
            EtcdCluster cluster = new EtcdCluster(scratch, members);
            try {
                cluster.awaitHealthy(START_TIMEOUT);
                return cluster;
            } catch (IllegalStateException e) {
                last = e;
                cluster.close();
            }
        }
        throw last;
    }

    private static List<Member> launch(String bin, Path scratch, int size) throws IOException {
        String token = "pausectl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(new int[]{freePort(), freePort()});
        }
        String initialCluster = "";
        for (int i = 0; i < size; i++) {
            initialCluster += (i == 0 ? "" : ",") + "m" + i + "=http://127.0.0.1:" + ports.get(i)[1];
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String name = "m" + i;
            int client = ports.get(i)[0];
            int peer = ports.get(i)[1];
            Path dataDir = scratch.resolve(name);
            Path log = scratch.resolve(name + ".log");
            List<String> cmd = List.of(bin,
                    "--name", name,
                    "--data-dir", dataDir.toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + client,
                    "--advertise-client-urls", "http://127.0.0.1:" + client,
                    "--listen-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-state", "new",
                    "--initial-cluster-token", token,
                    "--heartbeat-interval", "50",
                    "--election-timeout", "500",
                    "--logger", "zap",
                    "--log-level", "warn");
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // The Debian package's environment file must not leak in: the member is configured by flags alone.
            builder.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
            members.add(new Member(name, client, peer, builder.start(), log));
        }
        return members;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String binary() {
        String fromEnv = System.getenv("ETCD_BIN");
        if (fromEnv != null && Files.isExecutable(Path.of(fromEnv))) {
            return fromEnv;
        }
        if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            return "/usr/bin/etcd";
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, "etcd");
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return null;
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < members.size(); i++) {
            while (!healthy(client, i)) {
                Member m = members.get(i);
                if (!m.process().isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd member " + m.name() + " did not become healthy within "
                            + timeout.toSeconds() + "s" + (m.process().isAlive() ? "" : " (it exited)") + "; its log: "
                            + tail(m.log()));
                }
                pauseBriefly();
            }
        }
    }

    /** Whether member {@code i} answers {@code GET /health} with health true (it sees a quorum). */
    public boolean healthy(int i) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        return healthy(client, i);
    }

    private boolean healthy(HttpClient client, int i) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create(members.get(i).clientUrl() + "/health")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().replace(" ", "").contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void pauseBriefly() {
        // Polling a process that is starting: a short park between attempts, bounded by the caller's deadline.
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Number of members. */
    public int size() {
        return members.size();
    }

    /** The client URL of every member, {@code http://127.0.0.1:PORT}. */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).collect(Collectors.toList());
    }

    /** The client URLs comma-separated, as {@code --etcd} and {@code --fleet-etcd} take them. */
    public String endpoints() {
        return String.join(",", clientUrls());
    }

    /** Member {@code i}'s client URL. */
    public String clientUrl(int i) {
        return members.get(i).clientUrl();
    }

    /** Member {@code i}'s client port (for a relay in front of it). */
    public int clientPort(int i) {
        return members.get(i).clientPort();
    }

    /** The operating-system PID of member {@code i}. */
    public long pid(int i) {
        return members.get(i).process().pid();
    }

    /** Stops member {@code i} by its PID with SIGTERM and waits until it has exited. */
    public void stopMember(int i) {
        end(members.get(i).process(), false);
    }

    /** Kills member {@code i} by its PID with SIGKILL (a crash) and waits until it has exited. */
    public void killMember(int i) {
        end(members.get(i).process(), true);
    }

    /** Whether member {@code i}'s process still runs. */
    public boolean alive(int i) {
        return members.get(i).process().isAlive();
    }

    private static void end(Process process, boolean kill) {
        if (!process.isAlive()) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void stopAll() {
        members.forEach(m -> m.process().destroy());
        members.forEach(m -> end(m.process(), false));
    }

    /** Stops every member still running (SIGTERM, SIGKILL after 10 s) and deletes the scratch directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
        try (Stream<Path> walk = Files.walk(scratch)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a scratch directory left under the temp directory is harmless
        }
    }
}
