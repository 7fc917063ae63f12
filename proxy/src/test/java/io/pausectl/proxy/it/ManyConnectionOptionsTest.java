package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A head whose {@code Connection} fields name many fields (each a hop-by-hop field to strip,
 * RFC 9110 §7.6.1) loses exactly those, whichever way it goes on: a response relayed on its
 * received bytes or encoded again (a folded line forces that), and a request. The names are
 * matched in a set and the fields swept once (the work grows with the head, not with options
 * times fields: HopByHopHeadersTest and HeadLinesTest count it); a response has no cap on its
 * options, a request at most 32 (ClientRequestValidatorTest).
 */
class ManyConnectionOptionsTest {
    private static final Map<String, String> ANSWERS = new ConcurrentHashMap<>();
    private static final AtomicInteger PATHS = new AtomicInteger();
    private static ScriptedUpstream upstream;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ScriptedUpstream((c, n) -> {
            String head;
            while ((head = c.readRequest()) != null) {
                int from = head.indexOf(' ') + 1;
                c.write(ANSWERS.get(head.substring(from, head.indexOf(' ', from))));
            }
        });
        proxy = ProxyFixture.start(List.of(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    /** {@code count} fields named {@code prefix} and a number, each with the value 1. */
    private static String fields(String prefix, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(prefix).append(i).append(": 1\r\n");
        }
        return b.toString();
    }

    private static String options(String prefix, int count) {
        StringBuilder b = new StringBuilder("Connection: keep-alive");
        for (int i = 0; i < count; i++) {
            b.append(", ").append(i % 2 == 0 ? prefix.toUpperCase(Locale.ROOT) : prefix).append(i);
        }
        return b.append("\r\n").toString();
    }

    private static String exchange(String answer, String requestFields) throws IOException {
        String path = "/" + PATHS.incrementAndGet();
        ANSWERS.put(path, answer);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n" + requestFields
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest(name = "folded line: {0}")
    @ValueSource(booleans = {false, true})
    void aResponseNamingAThousandFieldsLosesExactlyThose(boolean folded) throws Exception {
        int n = 1_000;
        String answer = "HTTP/1.1 200 OK\r\n" + options("hop-", n) + fields("hop-", n) + fields("keep-", n)
                + (folded ? "X-F: a\r\n b\r\n" : "") + "Content-Length: 2\r\n\r\nok";
        String got = exchange(answer, "");
        assertThat(got).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
        String head = got.substring(0, got.indexOf("\r\n\r\n") + 2).toLowerCase(Locale.ROOT);
        assertThat(head).doesNotContain("\nhop-").doesNotContain("keep-alive");
        assertThat(head).contains(fields("keep-", n));
    }

    /** {@code n} options in all: keep-alive, the named ones, and the {@code close} the client adds. */
    @ParameterizedTest(name = "options: {0}")
    @ValueSource(ints = {10, 32})
    void aRequestLosesTheFieldsItsConnectionFieldNames(int n) throws Exception {
        String got = exchange("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                options("hop-", n - 2) + fields("hop-", n - 2) + fields("keep-", n));
        assertThat(got).startsWith("HTTP/1.1 200 OK\r\n");
        String forwarded = upstream.heads().get(upstream.heads().size() - 1).toLowerCase(Locale.ROOT);
        assertThat(forwarded).doesNotContain("\nhop-").contains(fields("keep-", n));
    }
}
