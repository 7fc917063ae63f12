package io.pausectl.testkit.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client on a plain socket that writes requests byte for byte and parses responses strictly,
 * noting how each body was framed, so tests can check framing, not only content, and control
 * connection reuse exactly. Connects to 127.0.0.1 within 5 s; reads time out after 10 s unless
 * {@link #setReadTimeout} says otherwise.
 */
public final class RawClient implements AutoCloseable {
    /** How a response body was delimited. */
    public enum Framing { LENGTH, CHUNKED, CLOSE, NONE }

    /** One parsed response. */
    public record Response(String version, int status, Map<String, List<String>> headers, byte[] body,
                           Framing framing) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(", ", v);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        this(port, 0);
    }

    /**
     * @param receiveBuffer the socket's receive buffer in bytes (0: the system's default); a small
     *                      one keeps what the client does not read in the proxy, not in the kernel
     */
    public RawClient(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /**
     * {@code GET path} on a new connection with {@code Connection: close}, waiting up to
     * {@code readTimeout} for the whole response.
     */
    public static Response get(int port, String path, Duration readTimeout) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.setReadTimeout((int) readTimeout.toMillis());
            return c.send(request("GET", path, true)).read();
        }
    }

    /** A {@code method path HTTP/1.1} request without a body, {@code Host: 127.0.0.1}. */
    public static String request(String method, String path, boolean close) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "")
                + "\r\n";
    }

    public RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Closes with a reset (RST) instead of an orderly end of stream. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Half-closes: the proxy reads end of stream, the client can still read. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    public void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one response to a non-HEAD request. */
    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code head} says it answers a HEAD (no body whatever the headers say). */
    public Response read(boolean head) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        String version = parts[0];
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while (!(l = line()).isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        Response partial = new Response(version, status, headers, new byte[0], Framing.NONE);
        if (head || status / 100 == 1 || status == 204 || status == 304) {
            return partial;
        }
        String te = partial.header("transfer-encoding");
        String cl = partial.header("content-length");
        if (te != null) {
            if (!te.equalsIgnoreCase("chunked")) {
                throw new IOException("unexpected transfer-encoding " + te);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new IOException("closed inside a chunked body");
                }
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(exactly(size));
                if (!line().isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
            return new Response(version, status, headers, body.toByteArray(), Framing.CHUNKED);
        }
        if (cl != null) {
            return new Response(version, status, headers, exactly(Integer.parseInt(cl)), Framing.LENGTH);
        }
        return new Response(version, status, headers, in.readAllBytes(), Framing.CLOSE);
    }

    /**
     * Reads a response with a fixed length body without keeping the body: returns how many body
     * bytes arrived (for bodies too large to hold).
     */
    public long readCountingBody() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        long length = -1;
        String l;
        while (!(l = line()).isEmpty()) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).trim());
            }
        }
        if (length < 0) {
            throw new IOException("no content-length");
        }
        byte[] buf = new byte[65536];
        long got = 0;
        while (got < length) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length - got));
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }

    /** Reads exactly {@code n} raw bytes (after an upgrade). */
    public byte[] readRaw(int n) throws IOException {
        return exactly(n);
    }

    /** True when the server closed the connection (reads end of stream within the read timeout). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * True when the server ended the connection with an orderly end of stream (FIN); a reset
     * throws, as it would to any client.
     */
    public boolean orderlyEndOfStream() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Whether nothing arrives within {@code millis} (and the connection stays open). */
    public boolean silentFor(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            in.mark(1);
            int b = in.read();
            if (b != -1) {
                in.reset();
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                int n = in.read();
                if (n != '\n') {
                    throw new IOException("CR not followed by LF");
                }
                return b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c == '\n') {
                throw new IOException("bare LF in response");
            }
            b.write(c);
        }
        if (b.size() == 0) {
            return null;
        }
        throw new IOException("closed in the middle of a line");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
