package io.pausectl.proxy.it;

import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * An origin's head reaches the client only with field names that are tokens and field values,
 * reason phrases and trailer fields without control bytes (RFC 9110 §5.1, §5.5; RFC 9112 §2.2,
 * §4), on both ways a head goes on: relayed on its received bytes, and encoded again from the
 * parsed head (an obs-fold, HTTP/1.0 or a 1xx forces that). Before, a bare CR in a value reached
 * the client as received: {@code X-A: a\rSet-Cookie: evil=1} gave the client a cookie, and Python's
 * http.client framed a response by a {@code Content-Length} hidden that way. Such heads are now
 * answered 502 and counted as a protocol error, as ambiguous framing from the origin is.
 */
class ResponseHeadValidationTest {
    private static final Map<String, List<String>> ANSWERS = new ConcurrentHashMap<>();
    private static final AtomicInteger PATHS = new AtomicInteger();
    private static ScriptedUpstream upstream;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        // The answer to GET /n is the one registered under "/n".
        upstream = new ScriptedUpstream((c, n) -> {
            String head;
            while ((head = c.readRequest()) != null) {
                int from = head.indexOf(' ') + 1;
                List<String> pieces = ANSWERS.get(head.substring(from, head.indexOf(' ', from)));
                for (int i = 0; i < pieces.size(); i++) {
                    if (i > 0) {
                        // Paced writes, not a wait for a condition: the test holds however they are read.
                        TimeUnit.MILLISECONDS.sleep(100);
                    }
                    c.write(pieces.get(i));
                }
            }
        });
        proxy = ProxyFixture.start(List.of(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    /**
     * What the client reads for one request the origin answers with {@code pieces}, written one
     * by one (more than one: 100 ms apart, so that the proxy reads them apart).
     */
    private static String exchange(String... pieces) throws IOException {
        String path = "/" + PATHS.incrementAndGet();
        ANSWERS.put(path, List.of(pieces));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static final String SMUGGLED = "HTTP/1.1 200 OK\r\nX-Evil: 1\r\n\r\n";
    private static final String FOLD = "X-F: a\r\n b\r\n";

    static Stream<Arguments> refused() {
        return Stream.of(
                // Relayed on the received bytes (HTTP/1.1, the head in one read, Content-Length).
                arguments("bare CR in a value", "HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: evil=1\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("bare CR hiding a length", "HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 0\r\n"
                        + "Content-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED),
                arguments("bare CR in a name", "HTTP/1.1 200 OK\r\nX-A\rSet-Cookie: evil=3\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok"),
                arguments("VT in a value", "HTTP/1.1 200 OK\r\nX-B: c\u000bd\r\nContent-Length: 2\r\n\r\nok"),
                arguments("DEL in a value", "HTTP/1.1 200 OK\r\nX-B: c\u007fd\r\nContent-Length: 2\r\n\r\nok"),
                arguments("ESC in a value", "HTTP/1.1 200 OK\r\nX-B: c\u001bd\r\nContent-Length: 2\r\n\r\nok"),
                arguments("VT in a name", "HTTP/1.1 200 OK\r\nContent-Length\u000b: 0\r\nContent-Length: 2\r\n\r\nok"),
                arguments("NUL in a name", "HTTP/1.1 200 OK\r\nX-A\u0000: 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a name that is not a token", "HTTP/1.1 200 OK\r\nX-A(1): 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("NUL in the reason phrase", "HTTP/1.1 200 O\u0000K\r\nContent-Length: 2\r\n\r\nok"),
                arguments("VT in the reason phrase", "HTTP/1.1 200 O\u000bK\r\nContent-Length: 2\r\n\r\nok"),
                arguments("bare CR in the reason phrase", "HTTP/1.1 200 OK\rSet-Cookie: evil=2\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                // Encoded again from the parsed head: an obs-fold, HTTP/1.0, a 1xx.
                arguments("bare CR in a value, folded head", "HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: evil=1\r\n"
                        + FOLD + "Content-Length: 2\r\n\r\nok"),
                arguments("bare CR in a name, folded head", "HTTP/1.1 200 OK\r\nX-A\rSet-Cookie: evil=3\r\n"
                        + FOLD + "Content-Length: 2\r\n\r\nok"),
                arguments("NUL in a value, folded head", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n" + FOLD
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("VT in a value, folded head", "HTTP/1.1 200 OK\r\nX-B: c\u000bd\r\n" + FOLD
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("VT in a name, folded head", "HTTP/1.1 200 OK\r\nContent-Length\u000b: 0\r\n" + FOLD
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("bare CR in a folded line", "HTTP/1.1 200 OK\r\nX-F: a\r\n b\rSet-Cookie: evil=5\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("bare CR in an HTTP/1.0 value", "HTTP/1.0 200 OK\r\nX-A: a\rSet-Cookie: evil=4\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("NUL in an HTTP/1.0 reason phrase", "HTTP/1.0 200 O\u0000K\r\nContent-Length: 2\r\n\r\nok"),
                arguments("bare CR in a 103's value", "HTTP/1.1 103 Early Hints\r\nLink: </a>\rSet-Cookie: evil=7\r\n"
                        + "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }

    /**
     * Field lines whose name does not end at its colon (RFC 9112 §5.1). Netty's response parser
     * ends a name at the first SP or HTAB and skips to the colon: {@code X A: ab} went on as
     * {@code X: ab}, {@code Set-Cookie x: evil} as a cookie, a line without a colon as an empty field.
     */
    static Stream<Arguments> whitespaceInNames() {
        return Stream.of(
                arguments("a space inside a name", "HTTP/1.1 200 OK\r\nX A: ab\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a space inside a name that becomes a cookie", "HTTP/1.1 200 OK\r\nSet-Cookie x: evil=9\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("a space before the colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a tab before the colon", "HTTP/1.1 200 OK\r\nX-A\t: 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a space before a length's colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"),
                arguments("a line with a space and no colon", "HTTP/1.1 200 OK\r\nX-A evil\r\nContent-Length: 2\r\n\r\nok"),
                arguments("an empty name", "HTTP/1.1 200 OK\r\n: evil\r\nContent-Length: 2\r\n\r\nok"),
                arguments("whitespace before the first field", "HTTP/1.1 200 OK\r\n X-A: evil\r\nContent-Length: 2\r\n\r\nok"),
                arguments("obs-text in a name", "HTTP/1.1 200 OK\r\nX-\u00e9: 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a space inside a name, folded head", "HTTP/1.1 200 OK\r\nX A: ab\r\n" + FOLD
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("a tab before the colon, HTTP/1.0", "HTTP/1.0 200 OK\r\nX-A\t: 1\r\nContent-Length: 2\r\n\r\nok"),
                arguments("a space inside a 103's name", "HTTP/1.1 103 Early Hints\r\nLink x: </a>\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("whitespaceInNames")
    void aNameNotEndingAtItsColonIsAnswered502AndCounted(String name, String answer) throws Exception {
        aHeadWithAControlByteIsAnswered502AndCounted(name, answer);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("whitespaceInNames")
    void aNameNotEndingAtItsColonIsAnswered502WhenTheHeadComesInPieces(String name, String answer) throws Exception {
        // The origin writes the head in three pieces, paced so that the proxy reads them apart,
        // cut inside the offending line: the check must see the line whole all the same.
        int at = answer.indexOf("\r\n") + 3;
        int line = answer.indexOf("\r\n", at);
        double before = proxy.upstreamErrors("protocol");
        String got = exchange(answer.substring(0, at), answer.substring(at, line - 1), answer.substring(line - 1));
        assertThat(got).as(name).startsWith("HTTP/1.1 502 ");
        assertThat(got.toLowerCase(Locale.ROOT)).as(name).doesNotContain("evil");
        assertThat(proxy.upstreamErrors("protocol")).as(name).isEqualTo(before + 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aHeadWithAControlByteIsAnswered502AndCounted(String name, String answer) throws Exception {
        double before = proxy.upstreamErrors("protocol");
        String got = exchange(answer);
        assertThat(got).as(name).startsWith("HTTP/1.1 502 ");
        assertThat(got.toLowerCase(Locale.ROOT)).as(name).doesNotContain("evil");
        assertThat(proxy.upstreamErrors("protocol")).as(name).isEqualTo(before + 1);
    }

    static Stream<Arguments> trailers() {
        return Stream.of(
                arguments("bare CR in a trailer value", "X-T: a\rSet-Cookie: evil=6\r\n"),
                arguments("NUL in a trailer value", "X-T: a\u0000evil\r\n"),
                arguments("bare CR in a trailer name", "X-T\rSet-Cookie: evil=6\r\n"),
                arguments("VT in a trailer name", "X-T\u000bevil: 1\r\n"),
                arguments("a space inside a trailer name", "X T: evil\r\n"),
                arguments("a tab before a trailer's colon", "X-T\t: evil\r\n"),
                arguments("an empty trailer name", ": evil\r\n"),
                arguments("a trailer line with a space and no colon", "X-T evil\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trailers")
    void aTrailerWithAControlByteCutsTheResponse(String name, String trailer) throws Exception {
        // The head and body were handed on before the trailer was read: the response is cut (no
        // last chunk; when all of it came in one read, before anything was flushed), so the client
        // cannot take it as complete, and the trailer never reaches it.
        double before = proxy.upstreamErrors("protocol");
        String got = exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + trailer + "\r\n");
        if (!got.isEmpty()) {
            assertThat(got).as(name).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("\r\n0\r\n");
        }
        assertThat(got.toLowerCase(Locale.ROOT)).as(name).doesNotContain("evil");
        assertThat(proxy.upstreamErrors("protocol")).as(name).isEqualTo(before + 1);
    }

    static Stream<Arguments> statusLineSeparators() {
        return Stream.of(
                arguments("bare CR after the code", "HTTP/1.1 200\rSet-Cookie: evil=8\r\nContent-Length: 2\r\n\r\nok"),
                arguments("VT after the code", "HTTP/1.1 200\u000bOK\r\nContent-Length: 2\r\n\r\nok"),
                arguments("FF after the code", "HTTP/1.1 200\fOK\r\nContent-Length: 2\r\n\r\nok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statusLineSeparators")
    void aControlByteTheParserReadsAsASeparatorGoesOnAsOneSpace(String name, String answer) throws Exception {
        // Netty splits the status line on VT, FF and CR as on SP; the line then goes on as
        // encoded from its parts (RFC 9112 §2.2: a bare CR may be replaced by SP), never as received.
        String got = exchange(answer);
        String head = got.substring(0, got.indexOf("\r\n\r\n") + 4);
        assertThat(head).as(name).startsWith("HTTP/1.1 200 ").doesNotContain("\u000b", "\f", "\nSet-Cookie");
        assertThat(head.replace("\r\n", "")).as(name).doesNotContain("\r");
        assertThat(got).endsWith("\r\n\r\nok");
    }

    static Stream<Arguments> passing() {
        return Stream.of(
                arguments("relayed", "HTTP/1.1 200 Fine\tThanks \u00e9\r\nX-A: a\tb \u00e9\u00ff\r\n"
                        + "Content-Length: 2\r\n\r\nok"),
                arguments("encoded again", "HTTP/1.1 200 Fine\tThanks \u00e9\r\nX-A: a\tb \u00e9\u00ff\r\n"
                        + FOLD + "Content-Length: 2\r\n\r\nok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("passing")
    void htabAndObsTextStillGoOnUnchanged(String name, String answer) throws Exception {
        String got = exchange(answer);
        assertThat(got).startsWith("HTTP/1.1 200 Fine\tThanks \u00e9\r\n")
                .contains("\r\nX-A: a\tb \u00e9\u00ff\r\n").endsWith("\r\n\r\nok");
    }
}
