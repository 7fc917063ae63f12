package io.pausectl.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin on a plain server socket (port 0) whose every connection runs a script written byte
 * for byte: for answers that a well-behaved server never gives (conflicting framing, an answer
 * before the body was read, a close at a chosen moment). Records each request head it reads.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** What one connection does; {@code n} counts connections from 0. */
    @FunctionalInterface
    public interface Script {
        void serve(Connection c, int n) throws Exception;
    }

    /** One accepted connection. */
    public final class Connection {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new java.io.BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Reads one request head (through the blank line); null at end of stream. */
        public String readHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int state = 0;
            int c;
            while ((c = in.read()) != -1) {
                b.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                        : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                if (state == 4) {
                    String head = b.toString(StandardCharsets.ISO_8859_1);
                    heads.add(head);
                    return head;
                }
            }
            return null;
        }

        /**
         * Reads one request head and its {@code Content-Length} body (chunked bodies are not
         * read); returns the head, or null at end of stream.
         */
        public String readRequest() throws IOException {
            String head = readHead();
            if (head == null) {
                return null;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("(?im)^content-length:\\s*(\\d+)\\s*$").matcher(head);
            if (m.find()) {
                in.readNBytes(Integer.parseInt(m.group(1)));
            }
            return head;
        }

        /** Writes text, each char one byte (ISO-8859-1). */
        public void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-upstream");
        t.setDaemon(true);
        return t;
    });
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    public ScriptedUpstream(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(s);
                int n = connections.getAndIncrement();
                threads.execute(() -> {
                    try (s) {
                        script.serve(new Connection(s), n);
                    } catch (Exception e) {
                        // the proxy closed, or the script ended the connection on purpose
                    }
                });
            }
        });
    }

    public String url() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.getLocalSocketAddress()).getPort();
    }

    /** Request heads read so far, in order. */
    public List<String> heads() {
        return List.copyOf(heads);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
