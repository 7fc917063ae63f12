package io.pausectl.cli.haproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A UNIX socket in front of an HAProxy's stats socket, for pausectl to talk to instead: it forwards each runtime
 * API line (one per connection, as pausectl sends them) and its answer, and, while armed, reloads HAProxy through
 * its master CLI just before forwarding a line that matches, waiting until the worker the reload started answers
 * on the stats socket. The calls before that line reached the old worker and the line reaches the new one: the
 * interleaving a reload falls into by chance, made certain.
 */
final class ReloadingRelay implements AutoCloseable {
    private static final Pattern PID = Pattern.compile("(?m)^Pid: (\\d+)\\s*$");
    private static final Duration RELOAD_WITHIN = Duration.ofSeconds(15);

    private final Path target;
    private final Path master;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> open = Collections.synchronizedList(new ArrayList<>());
    private volatile Predicate<String> trigger = line -> false;
    private final AtomicInteger armed = new AtomicInteger();
    private final AtomicInteger reloads = new AtomicInteger();
    private final List<String> reloadedBefore = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param socket where the relay listens
     * @param target HAProxy's stats socket
     * @param master HAProxy's master CLI socket
     */
    ReloadingRelay(Path socket, Path target, Path master) throws IOException {
        this.target = target;
        this.master = master;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::accept, "reloading-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Reloads HAProxy before each of the next {@code times} lines that match {@code line}. */
    void reloadBefore(Predicate<String> line, int times) {
        trigger = line;
        armed.set(times);
    }

    /** How many reloads the relay made. */
    int reloads() {
        return reloads.get();
    }

    /** The lines it reloaded before, in order. */
    List<String> reloadedBefore() {
        synchronized (reloadedBefore) {
            return List.copyOf(reloadedBefore);
        }
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                open.add(client);
                Thread t = new Thread(() -> relay(client), "reloading-relay-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(SocketChannel client) {
        try (client) {
            String line = readLine(client);
            if (trigger.test(line) && armed.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reload();
                reloadedBefore.add(line);
                reloads.incrementAndGet();
            }
            try (SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
                upstream.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
                ByteBuffer buf = ByteBuffer.allocate(8192);
                while (upstream.read(buf.clear()) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        client.write(buf);
                    }
                }
            }
        } catch (IOException e) {
            // the client or HAProxy went away: the client sees the connection close
        } finally {
            open.remove(client);
        }
    }

    /** {@code reload} on the master CLI, then waits until the new worker answers on the stats socket. */
    private void reload() throws IOException {
        String before = pid(exchange(target, "show info"));
        exchange(master, "reload");
        await().atMost(RELOAD_WITHIN).pollInterval(Duration.ofMillis(10)).ignoreExceptions().until(() -> {
            String now = pid(exchange(target, "show info"));
            return now != null && !now.equals(before);
        });
    }

    private static String pid(String showInfo) {
        Matcher m = PID.matcher(showInfo);
        return m.find() ? m.group(1) : null;
    }

    /**
     * Sends one line to a runtime API socket and returns the whole answer. The write side is shut after the line:
     * a master CLI keeps the connection open until then.
     */
    static String exchange(Path socket, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf.clear()) >= 0) {
                out.write(buf.array(), 0, buf.position());
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static String readLine(SocketChannel ch) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (ch.read(one.clear()) > 0) {
            if (one.get(0) == '\n') {
                break;
            }
            line.write(one.get(0));
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (SocketChannel ch : open) {
                try {
                    ch.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
