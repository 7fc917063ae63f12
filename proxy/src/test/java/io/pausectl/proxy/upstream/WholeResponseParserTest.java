package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.ReceivedHead;
import io.pausectl.proxy.http.RelayedHeads;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole-answer parser against Netty's path alone: every answer, valid or not, read the same
 * (status, version, every field in order, body, the head's bytes kept, success or failure and its
 * kind), whether it arrives in one read or split, and the parser takes the everyday answers.
 */
class WholeResponseParserTest {
    private static final String NGINX = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 30 Nov 2026 16:00:00 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc";

    /** Answers of the kind the parser takes. */
    private static final List<String> EVERYDAY = List.of(
            NGINX,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 Fine\r\ncontent-length: 5\r\nX-Own:   spaced   value\t\r\nX-Empty:\r\nX-Colon: a:b:c\r\n\r\nhello",
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nno",
            "HTTP/1.1 299 Odd\tbut fine\r\nCONTENT-LENGTH: 1\r\nx-y_z: ~!#$%&'*+-.^_`|\r\n\r\nz",
            "HTTP/1.1 201 Created\r\nLocation: /a\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 500 Whatever the origin says\r\nContent-Length: 10\r\n\r\n0123456789",
            // hop-by-hop fields, Connection options (Via and a field named twice among them), a Via to extend
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Drop,,  x-other \r\nx-drop: 1\r\nKeep-Alive: timeout=5\r\n"
                    + "Via: 1.0 origin\r\nTE: trailers\r\nX-OTHER: 2\r\nProxy-Connection: x\r\nContent-Length: 1\r\n"
                    + "Trailer: X\r\nUpgrade: h2c\r\nX-Kept: 3\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nVia: 1.1 a\r\nconnection: via, content-length, host\r\nHost: h\r\nContent-Length: 2\r\n"
                    + "VIA: 1.1 b\r\n\r\nab",
            "HTTP/1.1 200 OK\r\n" + "X-Many: 1\r\n".repeat(70) + "Connection: x-late\r\nX-Late: 1\r\nContent-Length: 0\r\n\r\n");

    /** Answers the parser leaves to Netty's path: refused there, or of another kind. */
    private static final List<String> OTHER = List.of(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
            "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200  OK\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK \r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 \r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 2000 OK\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 O\u0001K\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 caf\u00e9\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\n: b\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: caf\u00e9\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-A: a\u007f\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nX-\u00e9: a\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 3\r\n\r\nabc",
            "\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");

    private static final byte[] MUTATIONS = {' ', '\t', '\r', '\n', ':', 0, 0x7f, (byte) 0x80, (byte) 0xff, 'a', '0', ',', 'Z'};

    @Test
    void theEverydayAnswersAreParsedHereAndReadAsNettyReadsThem() {
        for (String answer : EVERYDAY) {
            List<Object> fast = decode(true, HttpMethod.GET, List.of(bytes(answer)));
            assertThat(fast.get(0)).as(answer).isInstanceOf(UpstreamHttpCodec.ReceivedFullResponse.class);
            HttpResponse r = (HttpResponse) fast.get(0);
            assertThat(((CompactHttpHeaders) r.headers()).lineStartsIn(ReceivedHead.receivedOf(r)))
                    .as("line starts kept for the relay: " + answer).isNotNull();
            for (Map.Entry<CharSequence, CharSequence> field : (Iterable<Map.Entry<CharSequence, CharSequence>>) () -> r.headers().iteratorCharSequence()) {
                // Netty's path makes a String of each value; this one keeps views of the head's bytes.
                assertThat(field.getValue()).as(answer).isNotInstanceOf(String.class);
            }
            assertThat(describe(fast)).as(answer).isEqualTo(describe(decode(false, HttpMethod.GET, List.of(bytes(answer)))));
            release(fast);
        }
    }

    @Test
    void everyOtherAnswerIsLeftToNettysPathAndReadTheSame() {
        for (String answer : OTHER) {
            assertSameBothWays(HttpMethod.GET, bytes(answer));
        }
        for (String answer : EVERYDAY) {
            assertSameBothWays(HttpMethod.HEAD, bytes(answer));
            assertSameBothWays(HttpMethod.CONNECT, bytes(answer));
        }
    }

    @Test
    void everyOneByteChangeOfAnEverydayAnswerIsReadAsNettyReadsIt() {
        for (String answer : EVERYDAY) {
            byte[] base = bytes(answer);
            for (int i = 0; i < base.length; i++) {
                for (byte b : MUTATIONS) {
                    byte[] changed = base.clone();
                    changed[i] = b;
                    assertSameBothWays(HttpMethod.GET, changed);
                }
                byte[] shorter = new byte[base.length - 1];
                System.arraycopy(base, 0, shorter, 0, i);
                System.arraycopy(base, i + 1, shorter, i, base.length - i - 1);
                assertSameBothWays(HttpMethod.GET, shorter);
            }
        }
    }

    @Test
    void anAnswerSplitAtAnyByteIsReadTheSame() {
        for (String answer : EVERYDAY) {
            byte[] whole = bytes(answer);
            for (int cut = 1; cut < whole.length; cut++) {
                byte[] first = new byte[cut];
                byte[] second = new byte[whole.length - cut];
                System.arraycopy(whole, 0, first, 0, cut);
                System.arraycopy(whole, cut, second, 0, second.length);
                assertThat(describe(decodeReleasing(true, HttpMethod.GET, List.of(first, second))))
                        .as(answer + " cut at " + cut)
                        .isEqualTo(describe(decodeReleasing(false, HttpMethod.GET, List.of(first, second))));
            }
        }
    }

    @Test
    void answersOneAfterAnotherInOneReadAreEachParsed() {
        String two = NGINX + EVERYDAY.get(1);
        EmbeddedChannel fast = channel(true, HttpMethod.GET, HttpMethod.GET);
        fast.writeInbound(Unpooled.wrappedBuffer(bytes(two)));
        List<Object> out = drain(fast);
        assertThat(out).hasSize(2).allMatch(o -> o instanceof UpstreamHttpCodec.ReceivedFullResponse);
        EmbeddedChannel slow = channel(false, HttpMethod.GET, HttpMethod.GET);
        slow.writeInbound(Unpooled.wrappedBuffer(bytes(two)));
        assertThat(describe(out)).isEqualTo(describe(drainReleasing(slow)));
        release(out);
        assertThat(fast.finishAndReleaseAll()).isFalse();
        slow.finishAndReleaseAll();
    }

    @Test
    void afterAFailedAnswerNothingMoreIsParsedHere() {
        String failedThenValid = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx" + NGINX;
        EmbeddedChannel fast = channel(true, HttpMethod.GET, HttpMethod.GET);
        fast.writeInbound(Unpooled.wrappedBuffer(bytes(failedThenValid)));
        List<Object> out = drain(fast);
        assertThat(out).noneMatch(o -> o instanceof UpstreamHttpCodec.ReceivedFullResponse);
        release(out);
        fast.finishAndReleaseAll();
    }

    private static void assertSameBothWays(HttpMethod method, byte[] answer) {
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        String fast = describe(decodeReleasing(true, method, List.of(answer)));
        String netty = describe(decodeReleasing(false, method, List.of(answer)));
        assertThat(fast).as(method + " " + text).isEqualTo(netty);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static EmbeddedChannel channel(boolean wholeResponses, HttpMethod... requests) {
        EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHttpCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(4096).setMaxHeaderSize(8192).setMaxChunkSize(8192), wholeResponses));
        for (HttpMethod method : requests) {
            ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/"), LastHttpContent.EMPTY_LAST_CONTENT);
        }
        ByteBuf sent;
        while ((sent = ch.readOutbound()) != null) {
            sent.release();
        }
        return ch;
    }

    /** What the decoder hands on for {@code reads}, each written as one read, after a request of {@code method}. */
    private static List<Object> decode(boolean wholeResponses, HttpMethod method, List<byte[]> reads) {
        EmbeddedChannel ch = channel(wholeResponses, method, HttpMethod.GET);
        for (byte[] read : reads) {
            ch.writeInbound(Unpooled.wrappedBuffer(read));
        }
        List<Object> out = drain(ch);
        ch.finishAndReleaseAll();
        return out;
    }

    private static List<Object> decodeReleasing(boolean wholeResponses, HttpMethod method, List<byte[]> reads) {
        List<Object> out = decode(wholeResponses, method, reads);
        List<Object> described = new ArrayList<>();
        described.add(describe(out));
        release(out);
        return described;
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    private static List<Object> drainReleasing(EmbeddedChannel ch) {
        List<Object> out = drain(ch);
        List<Object> described = new ArrayList<>();
        described.add(describe(out));
        release(out);
        return described;
    }

    private static void release(List<Object> out) {
        out.forEach(ReferenceCountUtil::release);
    }

    private static String relayed(byte[] head) {
        return head == null ? "none" : new String(head, StandardCharsets.ISO_8859_1) + '|';
    }

    /**
     * Everything downstream reads of the messages: kind, result and its cause's kind, version,
     * status, fields in order, the head's bytes kept, body bytes.
     */
    private static String describe(List<Object> out) {
        if (out.size() == 1 && out.get(0) instanceof String described) {
            return described;
        }
        StringBuilder d = new StringBuilder();
        for (Object o : out) {
            if (o instanceof HttpResponse r) {
                d.append("response ").append(r.protocolVersion()).append(' ').append(r.status().code()).append(" [")
                        .append(r.status().reasonPhrase()).append("] ");
                for (Map.Entry<String, String> field : r.headers()) {
                    d.append(field.getKey()).append('=').append(field.getValue()).append(';');
                }
                byte[] received = ReceivedHead.receivedOf(r);
                d.append(" received=").append(received == null ? "none" : new String(received, StandardCharsets.ISO_8859_1)).append('|');
                // What the client is sent in its place: from the parser's line starts on the strict
                // path, by HeadLines.edit's scan on Netty's, so the two edits are compared too.
                d.append(" relayed=").append(relayed(RelayedHeads.response(r, false, null, null)))
                        .append(" relayedChunkedClosed=").append(relayed(RelayedHeads.response(r, true, "close", "pause;dur=7")));
            }
            if (o instanceof HttpContent c) {
                d.append(o instanceof LastHttpContent ? " last " : " content ")
                        .append(c.content().toString(StandardCharsets.ISO_8859_1));
                if (o instanceof LastHttpContent last) {
                    d.append(" trailers=").append(last.trailingHeaders().entries());
                }
            }
            if (o instanceof HttpObject m) {
                d.append(m.decoderResult().isSuccess() ? " ok" : " failed " + m.decoderResult().cause().getClass().getSimpleName());
            } else if (o instanceof ByteBuf b) {
                d.append(" bytes ").append(ByteBufUtil.hexDump(b));
            } else {
                d.append(' ').append(o.getClass().getSimpleName());
            }
            d.append('\n');
        }
        return d.toString();
    }
}
