package io.pausectl.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin API client's HTTP/1.1 exchange against a server that answers raw bytes over a real
 * socket: each way of framing a body (RFC 9112 §6.3), interim answers, and answers that are not HTTP.
 */
class AdminHttpTest {
    private final ExecutorService serverThread = Executors.newSingleThreadExecutor();
    private ServerSocket server;
    private URI base;

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        base = URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        serverThread.shutdownNow();
    }

    /** Reads one request (head and its Content-Length body) and answers {@code answer}; returns the request. */
    private CompletableFuture<String> answering(String answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                String request = readRequest(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
                return request;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, serverThread);
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private AdminHttp.Answer get() throws IOException {
        return new AdminHttp().exchange(base, "GET", "/v1/status", Optional.empty(), null, Duration.ofSeconds(5),
                Duration.ofSeconds(5));
    }

    @Test
    void aBodyFramedByContentLengthEndsThere() throws Exception {
        answering("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"a\":\"\u00e9\"}");
        AdminHttp.Answer answer = get();
        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"a\":\"\u00e9\"}");
    }

    @Test
    void aChunkedBodyIsJoinedWithExtensionsAndTrailersSkipped() throws Exception {
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-T: 1\r\n\r\n");
        assertThat(get().body()).isEqualTo("{\"a\":1}");
    }

    @Test
    void aBodyWithoutFramingEndsWithTheConnection() throws Exception {
        answering("HTTP/1.0 404 Not Found\r\n\r\nno such page");
        AdminHttp.Answer answer = get();
        assertThat(answer.code()).isEqualTo(404);
        assertThat(answer.body()).isEqualTo("no such page");
    }

    @Test
    void interimAnswersAreSkipped() throws Exception {
        answering("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(get().body()).isEqualTo("{}");
    }

    @Test
    void theRequestNamesTheHostTheTokenAndItsBody() throws Exception {
        CompletableFuture<String> request = answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        URI withPath = URI.create(base + "/proxy-a");
        new AdminHttp().exchange(withPath, "POST", "/v1/pause", Optional.of("s3cret"),
                "{\"ttl\":\"5s\"}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(request.get(5, TimeUnit.SECONDS)).isEqualTo("POST /proxy-a/v1/pause HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + base.getPort() + "\r\n"
                + "Accept: application/json\r\n"
                + "Connection: close\r\n"
                + "Authorization: Bearer s3cret\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: 12\r\n"
                + "\r\n"
                + "{\"ttl\":\"5s\"}");
    }

    @Test
    void aTokenWithALineBreakIsNeverSent() {
        assertThatThrownBy(() -> new AdminHttp().exchange(base, "GET", "/v1/status", Optional.of("a\r\nX-Evil: 1"),
                null, Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class).hasMessage("the token holds a line break");
    }

    @Test
    void whatIsNotAnHttpAnswerIsSaidSo() throws Exception {
        answering("SSH-2.0-OpenSSH_9.2\r\n");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("not an HTTP answer: 'SSH-2.0-OpenSSH_9.2'");
    }

    @Test
    void aClosedConnectionBeforeTheAnswerOrWithinItsBodyIsAnError() throws Exception {
        answering("");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("the connection closed before an answer");
        answering("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("the connection closed after 2 of the answer's 10 bytes");
    }

    @Test
    void badFramingIsRefused() throws Exception {
        answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
        assertThatThrownBy(this::get).hasMessage("not an HTTP answer: Content-Length '3'");
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assertThatThrownBy(this::get).hasMessage("not an HTTP answer: a chunk size of 'zz'");
    }

    @Test
    void anEndlessHeadIsCutAtItsLimit() throws Exception {
        answering("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(AdminHttp.MAX_HEAD_BYTES) + "\r\n\r\n");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class).hasMessageContaining("a head line of more than");
    }

    @Test
    void silenceAfterTheConnectIsAnAnswerTimeout() throws Exception {
        AdminHttp http = new AdminHttp();
        // The server accepts (the kernel completes the connect) and never answers.
        assertThatThrownBy(() -> http.exchange(base, "GET", "/v1/status", Optional.empty(), null,
                Duration.ofSeconds(5), Duration.ofMillis(200))).isInstanceOf(SocketTimeoutException.class);
        assertThat(http.connected()).isTrue();
    }

    /**
     * Writes {@code start}, then {@code piece} again and again until the client goes away: a server
     * that would never stop.
     */
    private void endless(String start, String piece) {
        CompletableFuture.runAsync(() -> {
            try (Socket socket = server.accept()) {
                readRequest(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                out.write(start.getBytes(StandardCharsets.ISO_8859_1));
                byte[] bytes = piece.getBytes(StandardCharsets.ISO_8859_1);
                while (true) {
                    out.write(bytes);
                }
            } catch (IOException e) {
                // the client closed: done
            }
        }, serverThread);
    }

    /** Every part of an answer is bounded, however long the server goes on (found in review). */
    @Test
    void endlessInterimAnswersAreCutAtTheHeadLimit() {
        endless("", "HTTP/1.1 100 Continue\r\n\r\n");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class).hasMessageContaining("a head line of more than");
    }

    @Test
    void anEndlessBodyIsCutAtTheBodyLimit() {
        endless("HTTP/1.1 200 OK\r\n\r\n", "x".repeat(8192));
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("the answer's body is longer than the 16 MiB an admin API answer can be");
    }

    @Test
    void endlessChunksAreCutAtTheBodyLimit() {
        endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "2000\r\n" + "x".repeat(8192) + "\r\n");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("the answer's body is longer than the 16 MiB an admin API answer can be");
    }

    @Test
    void endlessTrailersAreCutAtTheHeadLimit() {
        endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n", "X-T: 1\r\n");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class).hasMessageContaining("a head line of more than");
    }

    @Test
    void aBodyLongerThanTheLimitIsRefusedBeforeItIsRead() {
        answering("HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n{}");
        assertThatThrownBy(this::get).isInstanceOf(IOException.class)
                .hasMessage("the answer's body is longer than the 16 MiB an admin API answer can be");
    }

    @Test
    void framingTheClientCannotTrustIsRefused() throws Exception {
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        assertThatThrownBy(this::get).hasMessage("not an HTTP answer: Transfer-Encoding 'chunked' with a Content-Length");
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n{}");
        assertThatThrownBy(this::get)
                .hasMessage("not an HTTP answer: Transfer-Encoding 'chunked, identity' other than chunked alone");
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        assertThatThrownBy(this::get)
                .hasMessage("not an HTTP answer: Transfer-Encoding 'gzip, chunked' other than chunked alone");
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        assertThat(get().body()).isEqualTo("{}");
    }
}
