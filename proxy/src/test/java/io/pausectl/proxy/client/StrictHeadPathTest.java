package io.pausectl.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.ForwardedHeaders;
import io.pausectl.proxy.http.HopByHopHeaders;
import io.pausectl.proxy.http.ReceivedHead;
import io.pausectl.proxy.http.RelayedHeads;
import io.pausectl.testkit.RandomSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The codec's strict path for whole request heads ({@code RequestDecoder.strictWholeHead}) changes
 * nothing that the proxy reads: the same bytes, cut into the same socket reads, decoded by the codec
 * with it and by the codec without it (Netty's decoder alone), give the same messages and events in
 * the same order: accepted or refused and why, method (the same object for known methods), target,
 * version, head size, every field in order and its look-ups, the received bytes, the validator's
 * verdict, the relayed head's bytes (edited on the received bytes) and the re-encoded head, the
 * header-timeout signal, what waits unparsed, and which responses lose their body (the HEAD
 * bookkeeping). Inputs: valid heads of many shapes, the refusal classes, and random mutations of
 * them, alone and pipelined, whole and cut at every byte or at random, with lines and heads at the
 * limits.
 */
@ExtendWith(RandomSeed.Extension.class)
class StrictHeadPathTest {
    private static final int LINE = 96;
    private static final int HEAD = 320;

    private static final String[] HEADS = {
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n",
            "GET /p?q=1&r=%20 HTTP/1.1\r\nhost: example.com\r\nConnection: keep-alive\r\nAccept-Encoding: gzip, deflate\r\n"
                    + "Cookie: a=b; c=d\r\n\r\n",
            "HEAD /x HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Spaces:   \r\nX-Colon: a:b::c\r\nX-Tab:\tv \t\r\nX-In:  a \t b  \r\n\r\n",
            "GET /x HTTP/1.0\r\n\r\n",
            "GET /x HTTP/1.0\r\nConnection: keep-alive\r\nHost: a\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n",
            "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n",
            "QUERY /x HTTP/1.1\r\nHost: a\r\n\r\n",
            "PUT /x HTTP/1.1\r\nHost: a\r\n\r\n",
            "DELETE /x HTTP/1.1\r\nHost: a\r\nConnection: close, X-Drop\r\nX-Drop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
                    + "Proxy-Connection: x\r\nTrailer: y\r\nProxy-Authorization: z\r\n\r\n",
            "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nVia: 1.1 other\r\nForwarded: for=x\r\n"
                    + "X_Forwarded_Host: evil\r\nX-Forwarded-Proto: https\r\nConnection: via\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHOST: a\r\nx-a: 1\r\nX-A: 2\r\nx-A: 3\r\nCONNECTION: Close\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
            "GET / HTTP/1.1\r\nX: y\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\ncontent-length: 03\r\n\r\nabc",
            "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\nUpgrade: WebSocket\r\n"
                    + "Connection: Upgrade\r\n\r\n12345678",
            "GET / HTTP/1.1\r\nHost: a\r\nsec-websocket-key2: 2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: " + "o,".repeat(33) + "\r\n\r\n",
            "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Obs: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Obs: a\r\n\tfolded\r\n\r\n",
            "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Hi: caf\u00e9\r\n\r\n",
            "GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\nHost: a\n\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\n",
            "GET / HTTP/1.1\r\nHost: a\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
            "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / http/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
            "GET / HTTP/1.1\r\n: empty-name\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Nul: a\u0000b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Del: a\u007fb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-VT: \u000ba\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-FF: a\u000c\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde",
            "GET / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET /\u0001 HTTP/1.1\r\nHost: a\r\n\r\n",
            "get / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET //x/../y HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\ncontent-length:0\r\nX-After: 1\r\n\r\n",
            "GET /p HTTP/1.1\r\nContent-LENGTH: \t0 \t\r\nHost: a\r\n\r\n",
            "POST /p HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 00\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: +0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n12345678",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0 0\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nSec-Fetch-Site: none\r\nCache-Control: no-cache\r\nTE: trailers\r\n"
                    + "Sec-CH-UA-Platform: \"Linux\"\r\nConnection: keep-alive\r\n\r\n",
    };

    /** Bytes a mutation puts in: the ones parsers disagree on. */
    private static final byte[] INTERESTING = {'\r', '\n', ' ', '\t', ':', 0, 0x7f, (byte) 0x80, (byte) 0xff, 0x0b, 0x0c,
            'a', 'A', ',', '"', '/', '_', '-', '@', '\\', '1', '0', (byte) 0xe9};

    /** Field lines a mutation inserts. */
    private static final String[] FIELDS = {
            "Content-Length: 0", "Content-Length: 2", "content-length:0", "Content-Length: 0 ", "Transfer-Encoding: chunked", " folded", "\tfolded",
            "X: \u0085", "Sec-WebSocket-Key1: 1", "Sec-WebSocket-Key2: 2", "Connection: close", "Connection: upgrade",
            "Upgrade: h2c", "Host: b", "X-Empty:", "Expect: 100-continue", "Via: x", "X-Forwarded-For: 9.9.9.9",
            "x_forwarded_for: 6.6.6.6", "Forwarded: for=1", "Keep-Alive: 1", "TE: trailers", "A:b", "a :b", "Te:",
            "Cookie: " + "c".repeat(40), "X-Long: " + "v".repeat(120),
    };

    @Test
    void theBaseHeadsDecodeAlikeWholeAndCutAtEveryByte() {
        int strict = 0;
        for (String head : HEADS) {
            byte[] input = bytes(head);
            strict += compare(input, new int[0], LINE, HEAD);
            for (int cut = 1; cut < input.length; cut++) {
                compare(input, new int[] {cut}, LINE, HEAD);
            }
        }
        assertThat(strict).as("heads the strict path took").isGreaterThan(15);
    }

    @Test
    void aRequestWithContentLengthZeroIsTakenByTheStrictPathAndReadAlike() {
        for (String head : List.of("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                "GET /p HTTP/1.1\r\nContent-LENGTH: \t0 \t\r\nHost: a\r\n\r\n",
                "POST /p HTTP/1.0\r\nContent-Length: 0\r\n\r\n")) {
            assertThat(compare(bytes(head), new int[0], LINE, HEAD)).as(head).isEqualTo(1);
        }
        // Any other length, or a second field, stays Netty's.
        for (String head : List.of("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 00\r\n\r\n",
                "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
                "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx")) {
            assertThat(compare(bytes(head), new int[0], LINE, HEAD)).as(head).isZero();
        }
    }

    @Test
    void pipelinedHeadsInOneReadAndCutAtEveryByte() {
        byte[] input = bytes(HEADS[1] + HEADS[3] + HEADS[20] + HEADS[4] + HEADS[0]);
        assertThat(compare(input, new int[0], LINE, HEAD)).as("heads the strict path took").isEqualTo(4);
        for (int cut = 1; cut < input.length; cut++) {
            compare(input, new int[] {cut}, LINE, HEAD);
        }
        // A head after a body, a refused one in the middle, a bare CR after a whole head.
        compare(bytes(HEADS[23] + HEADS[0] + HEADS[39] + HEADS[0]), new int[0], LINE, HEAD);
        compare(bytes(HEADS[0] + "GET / HTTP/1.1\r\nHost: a\rb"), new int[0], LINE, HEAD);
        compare(bytes(HEADS[0] + HEADS[0] + "GET / HT"), new int[0], LINE, HEAD);
    }

    @Test
    void linesAndHeadsAtTheLimits() {
        int strict = 0;
        for (int line = LINE - 6; line <= LINE + 3; line++) {
            String target = "/" + "t".repeat(line - "GET / HTTP/1.1".length());
            strict += compare(bytes("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"), new int[0], LINE, HEAD);
        }
        for (int fields = HEAD - 8; fields <= HEAD + 3; fields++) {
            // Host: a (7 bytes counted) and one filler field of the rest.
            String filler = "X-F: " + "f".repeat(fields - 7 - "X-F: ".length());
            byte[] input = bytes("GET / HTTP/1.1\r\nHost: a\r\n" + filler + "\r\n\r\n");
            strict += compare(input, new int[0], LINE, HEAD);
            strict += compare(input, new int[0], LINE, HEAD + 400);
        }
        // Many short fields: the head's bytes on the wire are twice what the limit counts.
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 150; i++) {
            many.append("a:\r\n");
            compare(bytes(many + "\r\n"), new int[0], LINE, HEAD);
        }
        assertThat(strict).isGreaterThan(10);
    }

    @Test
    void mutatedHeadsAloneAndPipelinedDecodeAlike(RandomSeed seed) {
        Random random = seed.random(0);
        int strict = 0;
        for (int round = 0; round < 4000; round++) {
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            int heads = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
            for (int h = 0; h < heads; h++) {
                input.writeBytes(mutate(bytes(HEADS[random.nextInt(HEADS.length)]), random));
            }
            byte[] in = input.toByteArray();
            int[] cuts;
            switch (random.nextInt(4)) {
                case 0, 1 -> cuts = new int[0];
                case 2 -> cuts = in.length < 2 ? new int[0] : new int[] {1 + random.nextInt(in.length - 1)};
                default -> {
                    cuts = new int[1 + random.nextInt(4)];
                    for (int i = 0; i < cuts.length; i++) {
                        cuts[i] = random.nextInt(in.length + 1);
                    }
                    Arrays.sort(cuts);
                }
            }
            strict += compare(in, cuts, LINE, HEAD);
        }
        assertThat(strict).as("heads the strict path took").isGreaterThan(400);
    }

    private static byte[] mutate(byte[] head, Random random) {
        byte[] b = head;
        int mutations = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(3);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> {
                    b = b.clone();
                    b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                }
                case 1 -> b = splice(b, at, 0, new byte[] {INTERESTING[random.nextInt(INTERESTING.length)]});
                case 2 -> b = splice(b, at, 1, new byte[0]);
                case 3, 4 -> {
                    int lineEnd = indexOf(b, (byte) '\n', 0);
                    if (lineEnd >= 0) {
                        b = splice(b, lineEnd + 1, 0, bytes(FIELDS[random.nextInt(FIELDS.length)] + "\r\n"));
                    }
                }
                case 5 -> {
                    if (Character.isLetter(b[at])) {
                        b = b.clone();
                        b[at] ^= 0x20;
                    }
                }
                default -> {
                    // Repeat the line this byte is in.
                    int start = at;
                    while (start > 0 && b[start - 1] != '\n') {
                        start--;
                    }
                    int end = indexOf(b, (byte) '\n', at);
                    if (end > start) {
                        b = splice(b, start, 0, Arrays.copyOfRange(b, start, end + 1));
                    }
                }
            }
        }
        return b;
    }

    /**
     * Decodes {@code input} (written in pieces ending at {@code cuts}) with the strict path and
     * without, asserts both give the same account, and answers how many heads the strict path took.
     */
    static int compare(byte[] input, int[] cuts, int maxLine, int maxHead) {
        Account strict = decode(input, cuts, true, maxLine, maxHead);
        Account netty = decode(input, cuts, false, maxLine, maxHead);
        assertThat(strict.text()).as("%s cut at %s (limits %d/%d)", escape(input), Arrays.toString(cuts), maxLine, maxHead)
                .isEqualTo(netty.text());
        return strict.strictHeads;
    }

    private record Account(String text, int strictHeads) {
    }

    private static Account decode(byte[] input, int[] cuts, boolean strictPath, int maxLine, int maxHead) {
        ClientHttpCodec codec = new ClientHttpCodec(maxLine, maxHead, 64, strictPath);
        Recorder recorder = new Recorder(codec);
        EmbeddedChannel ch = new EmbeddedChannel(codec, recorder);
        StringBuilder log = recorder.log;
        int from = 0;
        try {
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                if (to <= from) {
                    continue;
                }
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(input, from, to - from));
                } catch (RuntimeException e) {
                    log.append("EXCEPTION ").append(e).append('\n');
                }
                from = to;
                log.append("| read: waiting=").append(codec.messagesWaiting(recorder.taken))
                        .append(" nothingWaiting=").append(codec.nothingWaiting(recorder.taken))
                        .append(" open=").append(ch.isOpen()).append('\n');
            }
            // One answer per request handed on, and one more: the encoder drops the body of each
            // answer to a HEAD, as the codec recorded the methods.
            for (int i = 0; i <= recorder.requests && ch.isOpen(); i++) {
                DefaultFullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
                answer.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
                ch.writeOutbound(answer);
                ByteBuf out;
                while ((out = ch.readOutbound()) != null) {
                    log.append("answer ").append(out.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "|"))
                            .append('\n');
                    out.release();
                }
            }
            try {
                ch.finish();
            } catch (RuntimeException e) {
                log.append("EXCEPTION ").append(e).append('\n');
            }
            log.append("| closed\n");
        } finally {
            ch.finishAndReleaseAll();
        }
        return new Account(log.toString(), recorder.strictHeads);
    }

    /** Writes down everything the codec hands on, as the validator and the exchange handler read it. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final StringBuilder log = new StringBuilder();
        final ClientHttpCodec codec;
        long taken;
        int requests;
        int strictHeads;

        Recorder(ClientHttpCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            taken++;
            try {
                if (msg instanceof HttpRequest request) {
                    requests++;
                    if (request instanceof ClientHttpCodec.ReceivedFullRequest whole && whole.headSize >= 0) {
                        strictHeads++;
                        if (whole.protocolVersion() == HttpVersion.HTTP_1_1 && ((CompactHttpHeaders) whole.headers())
                                .lineStartsIn(ReceivedHead.receivedOf(whole)) == null) {
                            // The relay would scan it again: a difference from Netty's path's log.
                            log.append("STRICT HEAD WITHOUT LINE STARTS\n");
                        }
                    }
                    describe(request);
                } else if (msg instanceof HttpContent content) {
                    log.append(msg instanceof LastHttpContent ? "LAST " : "CONTENT ")
                            .append(result(content.decoderResult())).append(' ')
                            .append(escape(content.content().toString(StandardCharsets.ISO_8859_1)));
                    if (msg instanceof LastHttpContent last) {
                        log.append(" trailers=").append(fields(last.trailingHeaders()));
                    }
                    log.append('\n');
                } else {
                    log.append("OTHER ").append(msg).append('\n');
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            log.append("EVENT ").append(evt).append('\n');
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.append("EXCEPTION ").append(cause).append('\n');
        }

        private void describe(HttpRequest r) {
            log.append(r instanceof FullHttpRequest ? "FULL " : "HEAD ").append(result(r.decoderResult()));
            if (r.decoderResult().isFailure()) {
                log.append('\n');
                return;
            }
            HttpHeaders h = r.headers();
            log.append(' ').append(r.method()).append(" known=").append(r.method() == HttpMethod.valueOf(r.method().name()))
                    .append(' ').append(escape(r.uri())).append(' ').append(r.protocolVersion())
                    .append(" size=").append(ClientHttpCodec.headSize(r))
                    .append(" fields=").append(fields(h))
                    .append(" names=").append(h.names())
                    .append(" host=").append(h.getAll("HOST"))
                    .append(" connection=").append(h.get("connection"))
                    .append(" keepAlive=").append(HttpUtil.isKeepAlive(r))
                    .append(" chunked=").append(HttpUtil.isTransferEncodingChunked(r))
                    .append(" continue=").append(HttpUtil.is100ContinueExpected(r));
            try {
                log.append(" length=").append(HttpUtil.getContentLength(r, -7L));
            } catch (NumberFormatException e) {
                log.append(" length=").append(e.getMessage());
            }
            byte[] received = ReceivedHead.receivedOf(r);
            log.append("\n  received=").append(received == null ? "null" : escape(received));
            ClientRequestValidator.Problem problem = ClientRequestValidator.check(r);
            log.append("\n  verdict=").append(problem == null ? "forward" : problem.status().code() + " " + problem.why());
            if (problem == null) {
                log.append("\n  relayed=").append(relayed(r, received));
                log.append("\n  encoded=").append(encoded(r));
            }
            log.append('\n');
        }
    }

    /**
     * The head {@code ClientExchangeHandler.relayRequestHead} sends ({@link RelayedHeads#request}): on
     * the strict path made from the parser's line starts, on Netty's by {@code HeadLines.edit}'s scan,
     * so comparing the two paths compares those two edits.
     */
    private static String relayed(HttpRequest r, byte[] received) {
        HttpHeaders h = r.headers();
        boolean upgrade = h.contains(HttpHeaderNames.UPGRADE) && HopByHopHeaders.connectionHas(h, HttpHeaderValues.UPGRADE);
        byte[] edited = RelayedHeads.request(r, upgrade, "192.0.2.1");
        return "bytes=" + (edited == null ? "null" : escape(edited));
    }

    /** The head the encode path sends: hop-by-hop out, forwarding fields in, encoded by Netty. */
    private static String encoded(HttpRequest r) {
        HttpHeaders copy = new DefaultHttpHeaders(false);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = r.headers().iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            copy.add(e.getKey(), e.getValue());
        }
        HopByHopHeaders.strip(copy);
        copy.remove(HttpHeaderNames.EXPECT);
        ForwardedHeaders.addToRequest(copy, "192.0.2.1", r.protocolVersion());
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpRequestEncoder());
        StringBuilder out = new StringBuilder();
        try {
            encoder.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, r.method(), r.uri(), copy),
                    LastHttpContent.EMPTY_LAST_CONTENT);
            ByteBuf b;
            while ((b = encoder.readOutbound()) != null) {
                out.append(escape(b.toString(StandardCharsets.ISO_8859_1)));
                b.release();
            }
        } finally {
            encoder.finishAndReleaseAll();
        }
        return out.toString();
    }

    private static String result(DecoderResult result) {
        return result.isSuccess() ? "ok" : "failed " + result.cause();
    }

    /** Every field in order: name, value, and the kind of object each is (only its text matters). */
    private static String fields(HttpHeaders headers) {
        StringBuilder b = new StringBuilder("[");
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            b.append(escape(e.getKey().toString())).append(": ").append(escape(e.getValue().toString())).append('|');
            // Look-ups by each name in another case answer alike.
            b.append(headers.getAll(new AsciiString(e.getKey().toString().toUpperCase(java.util.Locale.ROOT))).size());
            b.append(headers.contains(e.getKey().toString().toLowerCase(java.util.Locale.ROOT), e.getValue().toString(), true) ? 'c' : '-');
            b.append(", ");
        }
        for (Map.Entry<String, String> e : headers) {
            b.append(e.getKey().length()).append('/').append(e.getValue().length()).append(' ');
        }
        return b.append(']').toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String escape(byte[] b) {
        return escape(new String(b, StandardCharsets.ISO_8859_1));
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                out.append("\\r");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c < 0x20 || c >= 0x7f) {
                out.append(String.format("\\x%02X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    private static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
