package io.pausectl.cli.haproxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Minimal HTTP/1.1 clients on plain sockets, so that the tests control connection reuse exactly. */
final class TestHttp {
    private static final int READ_TIMEOUT_MS = 40_000;

    private TestHttp() {
    }

    /** A response's status and headers (names lowercased). */
    record Response(int status, Map<String, String> headers) {
    }

    /** One request on a new connection with {@code Connection: close}. */
    static Response oneShot(int port, String path) throws IOException {
        try (Socket socket = connect(port)) {
            send(socket.getOutputStream(), path, true);
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /** Sequential requests on one persistent connection; reconnects (and counts it) only if HAProxy closes it. */
    static final class KeepAlive implements AutoCloseable {
        private final int port;
        private Socket socket;
        private InputStream in;
        private int connections;

        KeepAlive(int port) {
            this.port = port;
        }

        Response get(String path) throws IOException {
            if (socket == null) {
                socket = connect(port);
                in = new BufferedInputStream(socket.getInputStream());
                connections++;
            }
            send(socket.getOutputStream(), path, false);
            Response r = read(in);
            if ("close".equalsIgnoreCase(r.headers().get("connection"))) {
                close();
            }
            return r;
        }

        /** How many connections this client opened. */
        int connections() {
            return connections;
        }

        @Override
        public void close() throws IOException {
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        return socket;
    }

    private static void send(OutputStream out, String path, boolean close) throws IOException {
        String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: '" + statusLine + "'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        in.readNBytes(length);
        return new Response(Integer.parseInt(parts[1]), headers);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                buf.write(b);
            }
        }
        if (b == -1 && buf.size() == 0) {
            throw new IOException("connection closed before a response");
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }
}
