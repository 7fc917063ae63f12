package io.pausectl.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One HTTP/1.1 exchange with a pause-proxy admin API: a request with {@code Connection: close} on a
 * connection of its own, its answer's status code and body (RFC 9112: the body framed by
 * {@code Transfer-Encoding: chunked}, {@code Content-Length} or the connection's close, §6.3).
 *
 * <p>Over {@code http://} it speaks on a plain {@link Socket}. The JDK's {@link HttpURLConnection}
 * costs a short CLI call about a tenth of its CPU before its first byte: looking up
 * {@code URLStreamHandlerProvider} and {@code LoggerFinder} services on the class path (which opens
 * the 8 MB jar and reads its central directory, the only reason a status call opened it at all),
 * and its own and its logger's set-up (issue 12 item 7). {@code https://} still goes through
 * {@link HttpURLConnection}, for its TLS. Either way no proxy from the environment is used, a
 * request is never sent twice, and the errors are the JDK's ({@link UnknownHostException},
 * {@link java.net.ConnectException}, {@link SocketTimeoutException}…) so that the caller words them.
 */
final class AdminHttp {
    /**
     * The most head bytes read for one exchange (status lines and fields of the final answer and of
     * every interim one before it), in bytes: a guard against a wrong port or an endless stream of
     * interim answers.
     */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /**
     * The largest answer body read, in bytes: well above the largest admin API answer (a held-request
     * list of 10,000 entries is about 3 MB), so that a wrong or hostile server cannot fill the
     * CLI's memory.
     */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    /** The answer: its status code and its body as UTF-8 text (empty when it has none). */
    record Answer(int code, String body) {
    }

    private boolean connected;

    /** Whether the connection was made: a timeout before is a connect timeout, after an answer timeout. */
    boolean connected() {
        return connected;
    }

    /**
     * Sends {@code method} to {@code base}'s path followed by {@code path} and reads the whole answer.
     *
     * @param json          the request's body (sent as {@code application/json}), or null for none
     * @param connectTimeout the longest wait for the connection
     * @param answerTimeout  the longest silence while waiting for the answer
     * @throws IOException as the JDK's socket calls throw it; a malformed answer as an {@link IOException}
     *                     whose message says what was wrong
     */
    Answer exchange(URI base, String method, String path, Optional<String> token, byte[] json,
                    Duration connectTimeout, Duration answerTimeout) throws IOException {
        if (token.isPresent() && (token.get().indexOf('\r') >= 0 || token.get().indexOf('\n') >= 0)) {
            throw new IOException("the token holds a line break");
        }
        if ("https".equalsIgnoreCase(base.getScheme())) {
            return overUrlConnection(base, method, path, token, json, connectTimeout, answerTimeout);
        }
        String host = base.getHost();
        int port = base.getPort() < 0 ? 80 : base.getPort();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
        try (Socket socket = new Socket(Proxy.NO_PROXY)) {
            socket.setTcpNoDelay(true);
            socket.connect(address, millis(connectTimeout));
            connected = true;
            socket.setSoTimeout(millis(answerTimeout));
            OutputStream out = socket.getOutputStream();
            out.write(head(base, method, path, token, json).getBytes(StandardCharsets.ISO_8859_1));
            if (json != null) {
                out.write(json);
            }
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()), method);
        }
    }

    private static String head(URI base, String method, String path, Optional<String> token, byte[] json) {
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        String target = basePath + path;
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(target.isEmpty() ? "/" : target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(base.getPort() < 0 ? "" : ":" + base.getPort())
                .append("\r\n")
                .append("Accept: application/json\r\n")
                .append("Connection: close\r\n");
        token.ifPresent(t -> head.append("Authorization: Bearer ").append(t).append("\r\n"));
        if (json != null) {
            head.append("Content-Type: application/json\r\n").append("Content-Length: ").append(json.length)
                    .append("\r\n");
        } else if (!method.equals("GET")) {
            head.append("Content-Length: 0\r\n");
        }
        return head.append("\r\n").toString();
    }

    /** The final answer on {@code in}: interim (1xx) answers are skipped. */
    static Answer read(InputStream in, String method) throws IOException {
        // One budget for every head of the exchange: interim answers do not renew it.
        int headBytes = 0;
        while (true) {
            String statusLine = line(in, MAX_HEAD_BYTES - headBytes);
            if (statusLine == null) {
                throw new EOFException("the connection closed before an answer");
            }
            int code = statusCode(statusLine);
            long contentLength = -1;
            String transferCoding = null;
            headBytes += statusLine.length() + 2;
            for (String field = line(in, MAX_HEAD_BYTES - headBytes); ; field = line(in, MAX_HEAD_BYTES - headBytes)) {
                if (field == null) {
                    throw new EOFException("the connection closed in the answer's head");
                }
                if (field.isEmpty()) {
                    break;
                }
                headBytes += field.length() + 2;
                int colon = field.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("not an HTTP answer: a head line without a name: " + shown(field));
                }
                String name = field.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = field.substring(colon + 1).trim();
                if (name.equals("transfer-encoding")) {
                    // Repeated fields make one list (RFC 9110 §5.3).
                    String coding = value.toLowerCase(Locale.ROOT);
                    transferCoding = transferCoding == null ? coding : transferCoding + ", " + coding;
                } else if (name.equals("content-length")) {
                    try {
                        long length = Long.parseLong(value);
                        if (length < 0 || contentLength >= 0 && contentLength != length) {
                            throw new NumberFormatException();
                        }
                        contentLength = length;
                    } catch (NumberFormatException e) {
                        throw new IOException("not an HTTP answer: Content-Length " + shown(value));
                    }
                }
            }
            if (code >= 100 && code < 200) {
                continue;
            }
            if (transferCoding != null && (contentLength >= 0 || !transferCoding.equals("chunked"))) {
                // RFC 9112 §6.1, §6.3: a framing the client cannot trust, or a coding it would have to
                // undo; the admin API sends neither.
                throw new IOException("not an HTTP answer: Transfer-Encoding " + shown(transferCoding)
                        + (contentLength >= 0 ? " with a Content-Length" : " other than chunked alone"));
            }
            byte[] body;
            if (method.equals("HEAD") || code == 204 || code == 304) {
                body = new byte[0];
            } else if (transferCoding != null) {
                body = chunkedBody(in);
            } else if (contentLength >= 0) {
                body = fixedBody(in, contentLength);
            } else {
                body = untilClose(in);
            }
            return new Answer(code, new String(body, StandardCharsets.UTF_8));
        }
    }

    private static int statusCode(String statusLine) throws IOException {
        // HTTP-version SP 3DIGIT SP [reason] (RFC 9112 §4)
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
                || statusLine.length() > 12 && statusLine.charAt(12) != ' ') {
            throw new IOException("not an HTTP answer: " + shown(statusLine));
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = statusLine.charAt(i);
            if (c < '0' || c > '9') {
                throw new IOException("not an HTTP answer: " + shown(statusLine));
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    private static byte[] fixedBody(InputStream in, long length) throws IOException {
        if (length > MAX_BODY_BYTES) {
            throw tooLong();
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("the connection closed after " + body.length + " of the answer's " + length
                    + " bytes");
        }
        return body;
    }

    private static byte[] chunkedBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in, 1024);
            if (sizeLine == null) {
                throw new EOFException("the connection closed in a chunked answer");
            }
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP answer: a chunk size of " + shown(sizeLine));
            }
            if (size < 0) {
                throw new IOException("not an HTTP answer: a chunk size of " + shown(sizeLine));
            }
            if (size > MAX_BODY_BYTES - body.size()) {
                throw tooLong();
            }
            if (size == 0) {
                // Trailer fields, up to the empty line, not used, within one head's budget.
                int trailerBytes = 0;
                for (String trailer = line(in, MAX_HEAD_BYTES); trailer != null && !trailer.isEmpty();
                     trailer = line(in, MAX_HEAD_BYTES - trailerBytes)) {
                    trailerBytes += trailer.length() + 2;
                }
                return body.toByteArray();
            }
            body.write(fixedBody(in, size));
            String end = line(in, 2);
            if (end == null || !end.isEmpty()) {
                throw new IOException("not an HTTP answer: a chunk not followed by CRLF");
            }
        }
    }

    /** A close-delimited body, up to {@link #MAX_BODY_BYTES}. */
    private static byte[] untilClose(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            throw tooLong();
        }
        return body;
    }

    private static IOException tooLong() {
        return new IOException("the answer's body is longer than the " + MAX_BODY_BYTES / (1024 * 1024)
                + " MiB an admin API answer can be");
    }

    /**
     * The next line, without its CRLF (a bare LF also ends it), as ISO-8859-1 text; null at the end of
     * the stream before any byte.
     *
     * @throws IOException when the line is longer than {@code max} bytes
     */
    private static String line(InputStream in, int max) throws IOException {
        StringBuilder line = new StringBuilder(64);
        int b = in.read();
        if (b < 0) {
            return null;
        }
        while (b >= 0 && b != '\n') {
            if (line.length() >= max) {
                throw new IOException("not an HTTP answer: a head line of more than " + max + " bytes");
            }
            line.append((char) b);
            b = in.read();
        }
        if (b < 0) {
            throw new EOFException("the connection closed in the middle of a line");
        }
        int length = line.length();
        if (length > 0 && line.charAt(length - 1) == '\r') {
            line.setLength(length - 1);
        }
        return line.toString();
    }

    private static String shown(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return "'" + (oneLine.length() > 80 ? oneLine.substring(0, 80) + "..." : oneLine) + "'";
    }

    private Answer overUrlConnection(URI base, String method, String path, Optional<String> token, byte[] json,
                                     Duration connectTimeout, Duration answerTimeout) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(base + path).toURL()
                .openConnection(Proxy.NO_PROXY);
        connection.setConnectTimeout(millis(connectTimeout));
        connection.setReadTimeout(millis(answerTimeout));
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestMethod(method);
        connection.setRequestProperty("Accept", "application/json");
        if (token.isPresent()) {
            connection.setRequestProperty("Authorization", "Bearer " + token.get());
        }
        if (json != null) {
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setDoOutput(true);
        }
        connection.connect();
        connected = true;
        if (json != null) {
            try (OutputStream out = connection.getOutputStream()) {
                out.write(json);
            }
        }
        int code = connection.getResponseCode();
        InputStream in = code >= 400 ? connection.getErrorStream() : connection.getInputStream();
        if (in == null) {
            return new Answer(code, "");
        }
        try (in) {
            return new Answer(code, new String(untilClose(in), StandardCharsets.UTF_8));
        }
    }

    /** A duration as the whole milliseconds a socket timeout takes: at least 1 (0 would mean never). */
    static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }
}
