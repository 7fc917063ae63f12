package io.pausectl.proxy.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMessageDecoderResult;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.HeadBytes;
import io.pausectl.proxy.http.HopByHopHeaders;
import io.pausectl.proxy.http.KnownWords;
import io.pausectl.proxy.http.ReceivedHead;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The client side's HTTP/1.1 codec: Netty's server codec made strict about framing. It answers
 * nothing itself; a request it cannot trust comes out as a message with a failed decoder result,
 * which {@link ClientRequestValidator} answers 400 (or 414/431 for the limits) and closes:
 * <ul>
 *   <li>{@code Content-Length} together with {@code Transfer-Encoding} (Netty would drop the
 *       length and carry on);</li>
 *   <li>more than one {@code Content-Length} field, even with equal values, in any HTTP version
 *       (Netty accepts duplicates in HTTP/1.0 requests);</li>
 *   <li>bare LF line endings (strict line parsing), and the rest of Netty's checks: header names
 *       with whitespace or control characters, lengths that are not plain digits;</li>
 *   <li>a bare CR (one not followed by LF) in a head, at once: Netty would wait for an LF that
 *       never comes, until the idle timeout;</li>
 *   <li>a request line that is not exactly {@code method SP request-target SP HTTP-version CRLF}
 *       (RFC 9112 §3, §2.3): two spaces, a tab, {@code http/1.1} in lower case, bytes before the
 *       method other than empty lines (§2.2). Netty would split on any run of whitespace and
 *       upper-case the version, and the request would go upstream as another, normalised line.</li>
 * </ul>
 * Like {@code HttpServerCodec} it remembers which requests were HEAD, so the encoder never
 * writes a body (or a chunked terminator) after a HEAD response. A request without a body comes
 * out whole, as one {@link FullHttpRequest}; any other as its head, then its content.
 *
 * <p>Past a request that {@linkplain #offersUpgrade offers an upgrade} nothing more is parsed:
 * every further byte stays in the decoder, in order, for the tunnel a {@code 101} makes (removing
 * the codec hands them on), or for nobody if the origin does not switch (the connection then
 * closes after its answer).
 */
public final class ClientHttpCodec extends CombinedChannelDuplexHandler<ClientHttpCodec.RequestDecoder, ClientHttpCodec.ResponseEncoder> {
    /**
     * Fired down the pipeline when a read leaves part of a request head unparsed (the rest has not
     * arrived): where {@code --client-header-timeout} starts. A head that arrives whole fires nothing.
     */
    public static final Object HEAD_STARTED = new Object() {
        @Override
        public String toString() {
            return "HEAD_STARTED";
        }
    };

    /**
     * Fired down the pipeline after a socket read while the connection's reads are watched
     * ({@link #watchSocketReads}): a held connection was read.
     */
    public static final Object READ_WHILE_WATCHED = new Object() {
        @Override
        public String toString() {
            return "READ_WHILE_WATCHED";
        }
    };

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);

    public ClientHttpCodec(int maxRequestLine, int maxHeaderSize, int maxChunkSize) {
        this(maxRequestLine, maxHeaderSize, maxChunkSize, true);
    }

    /** Netty's decoder's first scratch buffer for a line; it grows on demand (it was 128). */
    static final int SCRATCH_BYTES = 16;

    /**
     * @param strictPath whether whole heads of the common kind are parsed by the codec's own strict
     *                   parser ({@link RequestDecoder#strictWholeHead}); false only to compare the
     *                   two paths in tests
     */
    ClientHttpCodec(int maxRequestLine, int maxHeaderSize, int maxChunkSize, boolean strictPath) {
        HttpDecoderConfig config = new HttpDecoderConfig()
                // Netty's line scratch buffer is made with the codec, for every connection, and grows
                // when a line needs it; heads of the common kind never use it (the strict path), so a
                // held connection need not carry 128 bytes of it (it was 4 % of a held request's heap).
                .setInitialBufferSize(SCRATCH_BYTES)
                .setMaxInitialLineLength(maxRequestLine)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxChunkSize(maxChunkSize)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setHeadersFactory(SingleContentLengthHeaders.FACTORY);
        config.setTrailersFactory(CompactHttpHeaders.like(config.getTrailersFactory()));
        init(new RequestDecoder(config, strictPath), new ResponseEncoder());
    }

    /** Messages handed on so far: heads, body pieces, ends, refusals. */
    private long messagesOut;

    /**
     * What the decoder keeps of the socket reads that is not parsed yet, in bytes: its buffer's
     * capacity (parsed body pieces are slices of it, so they keep it too).
     */
    public int unparsedBytes() {
        return inboundHandler().internalBufferCapacity();
    }

    /**
     * Whether nothing read from the socket waits: every message handed on was taken
     * ({@code messagesTaken} of them, as the last handler counts) and no unparsed byte is left.
     */
    public boolean nothingWaiting(long messagesTaken) {
        return messagesOut == messagesTaken && !inboundHandler().hasUnparsedBytes();
    }

    /** {@link #READ_WHILE_WATCHED} is fired after each socket read ({@link #watchSocketReads}). */
    private boolean readsWatched;

    /**
     * From now on, fires {@link #READ_WHILE_WATCHED} down the pipeline after each later socket read
     * the decoder takes (after the read's messages were handed on), until called with false; not
     * after the read being decoded, if any. The exchange handler watches a held connection this way:
     * it is read only when its transport learns that the client ended its side or reset, and the
     * read may bring unread bytes instead of the end (see {@code ClientExchangeHandler.watchHeldClient}).
     */
    void watchSocketReads(boolean watch) {
        readsWatched = watch;
    }

    /** Messages handed on and not taken yet ({@code messagesTaken} of them were). */
    public long messagesWaiting(long messagesTaken) {
        return messagesOut - messagesTaken;
    }

    /**
     * The size of {@code request}'s head as Netty's decoder counts it (the request line and the
     * field lines, without their line ends), whichever parser read it; 0 when unknown.
     */
    static int headSize(HttpRequest request) {
        if (request instanceof ReceivedFullRequest whole && whole.headSize >= 0) {
            return whole.headSize;
        }
        return request.decoderResult() instanceof HttpMessageDecoderResult result ? result.totalSize() : 0;
    }

    /**
     * Whether {@code request} is offered to the origin as an upgrade (RFC 9110 §7.8): HTTP/1.1,
     * {@code Upgrade} named in {@code Connection}, and no chunked body. An HTTP/1.0 request's
     * Upgrade is ignored (§7.8); a chunked body is not offered one either, since past a 101 the
     * proxy relays raw bytes and the rest of a body it re-chunks would reach the origin without its
     * chunk framing. Past such a request (its end) the bytes may be the new protocol's, so the
     * decoder stops parsing ({@link RequestDecoder}); the exchange handler forwards it as an upgrade.
     */
    static boolean offersUpgrade(HttpRequest request) {
        HttpHeaders headers = request.headers();
        return HttpVersion.HTTP_1_1.equals(request.protocolVersion()) && headers.contains(HttpHeaderNames.UPGRADE)
                && HopByHopHeaders.connectionHas(headers, HttpHeaderValues.UPGRADE)
                && !HttpUtil.isTransferEncodingChunked(request);
    }

    /** Decodes requests, refusing ambiguous framing, and records each request's method. */
    final class RequestDecoder extends HttpRequestDecoder {
        int internalBufferCapacity() {
            return internalBuffer().capacity();
        }

        boolean hasUnparsedBytes() {
            return internalBuffer().isReadable();
        }

        /** Between requests or within a head, not within a body. */
        private boolean inHead = true;
        /** A failed head was handed on: the connection closes, everything after it is dropped. */
        private boolean broken;
        /** The request being read offers an upgrade ({@link #offersUpgrade}): parsing stops at its end. */
        private boolean upgradeOffered;
        /**
         * An upgrade request was handed on whole: what follows is not parsed, and stays in the
         * decoder's buffer for the tunnel (see the class comment).
         */
        private boolean tunnelBound;
        /** {@link #HEAD_STARTED} was fired for the head being read. */
        private boolean headStartSignalled;
        /** The next request's line has not been checked yet ({@link #requestLineProblem}). */
        private boolean lineUnchecked = true;
        /** Part of the head being read was parsed by an earlier call: its bytes are gone. */
        private boolean headSplit;
        private final int maxRequestLine;
        private final int maxHeaderSize;
        /** Whole heads of the common kind are parsed by {@link #strictWholeHead}. */
        private final boolean strictPath;
        /**
         * Netty's decoder is where it is between two messages: it ended the last one it was given
         * (a successful {@link LastHttpContent}) and has not been given a byte since. Only then may
         * {@link #strictWholeHead} parse a head past it, which leaves it there.
         */
        private boolean decoderBetweenMessages = true;

        RequestDecoder(HttpDecoderConfig config, boolean strictPath) {
            super(config);
            this.maxRequestLine = config.getMaxInitialLineLength();
            this.maxHeaderSize = config.getMaxHeaderSize();
            this.strictPath = strictPath;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            try {
                decodeCounted(ctx, buffer, out);
            } finally {
                messagesOut += out.size() - before;
            }
        }

        private void decodeCounted(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (broken) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (tunnelBound) {
                // The new protocol's bytes, maybe: left unread, in order (the class comment).
                return;
            }
            int before = out.size();
            ReceivedFullRequest strict = strictPath && decoderBetweenMessages && inHead && lineUnchecked && !headSplit
                    ? strictWholeHead(buffer) : null;
            if (strict != null) {
                out.add(strict);
            } else {
                if (lineUnchecked) {
                    String problem = requestLineProblem(buffer);
                    if (problem != null) {
                        refuse(buffer, out, problem);
                        return;
                    }
                }
                if (inHead && hasBareCr(buffer)) {
                    // Before Netty's decoder sees it: a bare CR anywhere in the head refuses it with
                    // 400 at once, whatever else is wrong with the line (RFC 9112 §2.2). Netty's
                    // decoder looks for the LF, which may never come, and refused a line that also
                    // ran past its limit as too long (414). Bytes left behind a message come back
                    // here (ByteToMessageDecoder decodes again what is left), so every head is checked.
                    refuse(buffer, out, "bare CR in the request head");
                    return;
                }
                int start = buffer.readerIndex();
                boolean headWhole = inHead && !headSplit;
                decoderBetweenMessages = false;
                super.decode(ctx, buffer, out);
                decoderBetweenMessages = out.size() > before && out.get(out.size() - 1) instanceof LastHttpContent last
                        && last.decoderResult().isSuccess();
                keepReceivedHead(buffer, start, headWhole, out, before);
                wholeWhenBodiless(out, before);
            }
            for (int i = before; i < out.size(); i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    methods.add(((HttpRequest) o).method());
                    inHead = false;
                    headStartSignalled = false;
                    if (((HttpRequest) o).decoderResult().isFailure()) {
                        broken = true;
                    } else {
                        upgradeOffered = offersUpgrade((HttpRequest) o);
                    }
                }
                if (o instanceof LastHttpContent) {
                    inHead = true;
                    lineUnchecked = true;
                    if (upgradeOffered && !broken) {
                        // Nothing past it is a request until the origin answers, and then only if it
                        // did not switch; bytes a client sends at once (a first frame, a line) are the
                        // tunnel's first bytes (RFC 9110 §7.8: the new protocol starts right after
                        // the request). Netty's decoder never sees them: it would skip control bytes
                        // or refuse a line, and a request parsed from them would be lost or, worse, sent.
                        tunnelBound = true;
                    }
                    upgradeOffered = false;
                }
            }
            if (tunnelBound) {
                return;
            }
            if (!broken && inHead && buffer.isReadable() && !headStartSignalled && out.size() == before) {
                // Part of a head is here and the rest is not: the header timeout starts. (A call that
                // handed on a message is followed by another for the bytes left, which tells.)
                headStartSignalled = true;
                ctx.fireUserEventTriggered(HEAD_STARTED);
            }
        }

        /** Hands on a failed request (answered 400 and closed) and drops everything after it. */
        private void refuse(ByteBuf buffer, List<Object> out, String why) {
            broken = true;
            buffer.skipBytes(buffer.readableBytes());
            DefaultFullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request",
                    Unpooled.EMPTY_BUFFER);
            bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
            methods.add(HttpMethod.GET);
            out.add(bad);
        }

        /**
         * The request head at the start of {@code buffer}, parsed here, when it is whole in the
         * buffer and of the one common kind this parser accepts; its bytes are consumed and copied
         * once (they are the request's {@link ReceivedHead#received}, and its names and values are
         * views of them). Null, with nothing consumed, for anything else: Netty's decoder then parses
         * it, as before, and gives every refusal its answer. Accepted, and nothing more:
         * <ul>
         *   <li>the head begins at the buffer's first byte (no empty lines before it, RFC 9112 §2.2);</li>
         *   <li>a request line {@code token SP target SP HTTP/1.1} (or {@code 1.0}) {@code CRLF}, the
         *       target of visible ASCII only (0x21-0x7E), at most the line limit less 2;</li>
         *   <li>field lines {@code token ":" OWS value OWS CRLF}, no whitespace before the colon, no
         *       obs-fold, values of visible ASCII, SP and HTAB only (no obs-text, no control byte);
         *       their bytes, without line ends, at most the head limit less 2;</li>
         *   <li>no {@code Content-Length} but at most one whose value is exactly {@code 0}, no
         *       {@code Transfer-Encoding} and neither draft-76 WebSocket key: a request without a body
         *       (RFC 9112 §6.3), which Netty hands on as its head and an empty end, here as one
         *       {@link ReceivedFullRequest} (a line that may say otherwise is looked at before the head
         *       is copied, {@link #mayFrameABody}, so a head with a body is not copied for nothing);</li>
         *   <li>the empty line that ends the head.</li>
         * </ul>
         * For what it accepts, the request is what Netty's decoder and {@link #wholeWhenBodiless} make
         * of the same bytes: the same method object, target, version, fields in order (names as sent,
         * values without their surrounding whitespace), received bytes (HTTP/1.1 only) and head size.
         * Netty's decoder is left between messages, where it was (it resets to that state after a
         * request without a body).
         */
        private ReceivedFullRequest strictWholeHead(ByteBuf buffer) {
            int start = buffer.readerIndex();
            // A head this parser accepts is no longer than this: the line, and field lines at most
            // twice their counted bytes ("a:" and its CRLF).
            long longest = (long) maxRequestLine + 2 + 2L * maxHeaderSize + 2;
            int limit = (int) Math.min(buffer.writerIndex(), start + longest);
            int lineStart = start;
            int end = -1;
            int lines = 0;
            while (lineStart < limit) {
                int lf = buffer.indexOf(lineStart, limit, LF);
                if (lf < 0) {
                    return null;
                }
                if (lf == lineStart + 1 && lineStart > start && buffer.getByte(lineStart) == CR) {
                    end = lf + 1;
                    break;
                }
                if (lineStart > start && mayFrameABody(buffer, lineStart, lf)) {
                    // Netty's decoder takes it (a request with a body, mostly): not copied for nothing.
                    return null;
                }
                lines++;
                lineStart = lf + 1;
            }
            if (end < 0) {
                return null;
            }
            byte[] head = new byte[end - start];
            buffer.getBytes(start, head);
            ReceivedFullRequest request = parseWholeHead(head, lines - 1);
            if (request != null) {
                buffer.readerIndex(end);
            }
            return request;
        }

        /**
         * Whether the line {@code buffer[from, lf]} may be a field that gives the request a body
         * ({@link #framing}) other than {@code Content-Length: 0}: a quick look before the head is
         * copied, so that a head the parse would leave to Netty's decoder is not copied first. It
         * answers true for every such field; the parse decides the rest (and checks these again).
         */
        private boolean mayFrameABody(ByteBuf buffer, int from, int lf) {
            int first = buffer.getByte(from) | 0x20;
            if (first != 'c' && first != 't' && first != 's') {
                return false;
            }
            int colon = buffer.indexOf(from, lf, (byte) ':');
            if (colon < 0) {
                return false;
            }
            switch (colon - from) {
                case 17:
                    return named(buffer, from, HttpHeaderNames.TRANSFER_ENCODING);
                case 18:
                    return named(buffer, from, HttpHeaderNames.SEC_WEBSOCKET_KEY1)
                            || named(buffer, from, HttpHeaderNames.SEC_WEBSOCKET_KEY2);
                case 14:
                    if (!named(buffer, from, HttpHeaderNames.CONTENT_LENGTH)) {
                        return false;
                    }
                    break;
                default:
                    return false;
            }
            // Content-Length: OWS "0" OWS CRLF is taken; any other value is not.
            int p = colon + 1;
            while (p < lf && isOws(buffer.getByte(p))) {
                p++;
            }
            if (p >= lf || buffer.getByte(p) != '0') {
                return true;
            }
            p++;
            while (p < lf && isOws(buffer.getByte(p))) {
                p++;
            }
            return p != lf - 1 || buffer.getByte(p) != CR;
        }

        /** Whether {@code buffer} from {@code from} spells {@code lower} (a lower-case name) in any ASCII case. */
        private static boolean named(ByteBuf buffer, int from, AsciiString lower) {
            for (int i = 0; i < lower.length(); i++) {
                int b = buffer.getByte(from + i);
                if (b >= 'A' && b <= 'Z') {
                    b += 32;
                }
                if (b != lower.byteAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isOws(byte b) {
            return b == ' ' || b == '\t';
        }

        /**
         * {@link #strictWholeHead}'s parse of {@code h}, a head that ends with its first empty line
         * (so every scan below stops at the CR of that line at the latest) after
         * {@code fieldLines} lines past the request line, or null.
         */
        private ReceivedFullRequest parseWholeHead(byte[] h, int fieldLines) {
            int n = h.length;
            int p = 0;
            while (HeadBytes.isTchar(h[p])) {
                p++;
            }
            if (p == 0 || h[p] != ' ') {
                return null;
            }
            int methodEnd = p++;
            int targetStart = p;
            while (h[p] > ' ' && h[p] != 0x7f) {
                // Signed bytes: 0x80-0xFF are negative and stop the scan, as control bytes do.
                p++;
            }
            if (p == targetStart || h[p] != ' ') {
                return null;
            }
            int targetEnd = p++;
            if (p + 10 > n || h[p] != 'H' || h[p + 1] != 'T' || h[p + 2] != 'T' || h[p + 3] != 'P' || h[p + 4] != '/'
                    || h[p + 5] != '1' || h[p + 6] != '.' || h[p + 7] != '1' && h[p + 7] != '0'
                    || h[p + 8] != CR || h[p + 9] != LF) {
                return null;
            }
            HttpVersion version = h[p + 7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
            int lineLength = p + 8;
            if (lineLength > maxRequestLine - 2) {
                return null;
            }
            SingleContentLengthHeaders headers = new SingleContentLengthHeaders();
            headers.expectFields(fieldLines);
            int[] lineStarts = new int[fieldLines + 1];
            int field = 0;
            boolean sawLength = false;
            int fieldBytes = 0;
            p += 10;
            while (h[p] != CR) {
                int nameStart = p;
                if (field == fieldLines) {
                    return null;
                }
                lineStarts[field++] = p;
                while (HeadBytes.isTchar(h[p])) {
                    p++;
                }
                if (p == nameStart || h[p] != ':') {
                    return null;
                }
                int nameLength = p - nameStart;
                p++;
                while (h[p] == ' ' || h[p] == '\t') {
                    p++;
                }
                int valueStart = p;
                int valueEnd = p;
                for (;; p++) {
                    byte b = h[p];
                    if (b > ' ' && b != 0x7f) {
                        valueEnd = p + 1;
                    } else if (b != ' ' && b != '\t') {
                        break;
                    }
                }
                if (h[p] != CR || h[p + 1] != LF) {
                    return null;
                }
                int kind = framing(h, nameStart, nameLength);
                if (kind != NO_FRAMING) {
                    // Only one Content-Length of exactly 0: no body (RFC 9112 §6.3), as Netty's
                    // decoder reads it, which keeps that field as received. Any other framing is its.
                    if (kind != CONTENT_LENGTH || sawLength || valueEnd - valueStart != 1 || h[valueStart] != '0') {
                        return null;
                    }
                    sawLength = true;
                }
                fieldBytes += p - nameStart;
                AsciiString name = KnownWords.name(h, nameStart, nameLength);
                headers.addScanned(name != null ? name : new AsciiString(h, nameStart, nameLength, false),
                        valueEnd == valueStart ? AsciiString.EMPTY_STRING
                                : new AsciiString(h, valueStart, valueEnd - valueStart, false));
                p += 2;
            }
            if (p + 2 != n || h[p + 1] != LF || fieldBytes > maxHeaderSize - 2 || field != fieldLines) {
                return null;
            }
            lineStarts[field] = p;
            ReceivedFullRequest request = new ReceivedFullRequest(version, method(h, methodEnd),
                    new String(h, 0, targetStart, targetEnd - targetStart), headers);
            request.headSize = lineLength + fieldBytes;
            if (version == HttpVersion.HTTP_1_1) {
                request.received(h);
                headers.scannedLines(h, lineStarts);
            }
            return request;
        }

        /** Netty's method object for the token {@code h[0, length)}: its constant for a known method. */
        @SuppressWarnings("deprecation")
        private static HttpMethod method(byte[] h, int length) {
            if (length == 3 && h[0] == 'G' && h[1] == 'E' && h[2] == 'T') {
                return HttpMethod.GET;
            }
            // Netty's own look-up (a switch on the name) for the rest.
            return HttpMethod.valueOf(new String(h, 0, 0, length));
        }

        private static final int NO_FRAMING = 0;
        private static final int CONTENT_LENGTH = 1;
        private static final int OTHER_FRAMING = 2;

        /**
         * Whether the field name {@code h[from, from + length)} is one that may give a request a body:
         * {@link #CONTENT_LENGTH}, or {@link #OTHER_FRAMING} for {@code Transfer-Encoding} and the
         * draft-76 WebSocket keys (with both, Netty's decoder frames 8 bytes for a GET); compared
         * without regard to case. {@link #NO_FRAMING} for any other name.
         */
        private static int framing(byte[] h, int from, int length) {
            switch (length) {
                case 14:
                    return HeadBytes.sameIgnoringCase(h, from, HttpHeaderNames.CONTENT_LENGTH) ? CONTENT_LENGTH : NO_FRAMING;
                case 17:
                    return HeadBytes.sameIgnoringCase(h, from, HttpHeaderNames.TRANSFER_ENCODING) ? OTHER_FRAMING : NO_FRAMING;
                case 18:
                    return HeadBytes.sameIgnoringCase(h, from, HttpHeaderNames.SEC_WEBSOCKET_KEY1)
                            || HeadBytes.sameIgnoringCase(h, from, HttpHeaderNames.SEC_WEBSOCKET_KEY2)
                            ? OTHER_FRAMING : NO_FRAMING;
                default:
                    return NO_FRAMING;
            }
        }

        /**
         * What is wrong with the request line at the start of {@code buffer}, or null when it is well
         * formed or not whole yet (RFC 9112 §3): {@code token SP target SP HTTP/d.d CRLF}, one space
         * each, the target without whitespace or control bytes, the version in capitals; empty lines
         * (CRLF or a bare LF) before it are allowed (§2.2). A line without its CR is left to Netty's strict line parsing,
         * one over the limit to its 414. Reads without consuming.
         */
        private String requestLineProblem(ByteBuf buffer) {
            int start = buffer.readerIndex();
            int end = buffer.writerIndex();
            // Empty lines before the line, CRLF or a bare LF (§2.2): Netty skips both, so both are
            // skipped here too, or the line after a bare LF would go unchecked.
            while (start < end) {
                if (buffer.getByte(start) == '\n') {
                    start++;
                } else if (start + 1 < end && buffer.getByte(start) == '\r' && buffer.getByte(start + 1) == '\n') {
                    start += 2;
                } else {
                    break;
                }
            }
            int lf = buffer.indexOf(start, Math.min(end, start + maxRequestLine + 2), (byte) '\n');
            if (lf < 0) {
                return null;
            }
            lineUnchecked = false;
            if (lf == start || buffer.getByte(lf - 1) != '\r') {
                return null;
            }
            int lineEnd = lf - 1;
            int p = start;
            while (p < lineEnd && HeadBytes.isTchar(buffer.getByte(p))) {
                p++;
            }
            if (p == start || p == lineEnd || buffer.getByte(p) != ' ') {
                return "malformed request line: the method must be a token followed by one space (RFC 9112 §3)";
            }
            int target = ++p;
            while (p < lineEnd && (buffer.getByte(p) & 0xff) > ' ' && buffer.getByte(p) != 0x7f) {
                p++;
            }
            if (p == target || p == lineEnd || buffer.getByte(p) != ' ') {
                return "malformed request line: the request-target must be followed by one space (RFC 9112 §3)";
            }
            p++;
            if (lineEnd - p != 8 || buffer.getByte(p) != 'H' || buffer.getByte(p + 1) != 'T'
                    || buffer.getByte(p + 2) != 'T' || buffer.getByte(p + 3) != 'P' || buffer.getByte(p + 4) != '/'
                    || !isDigit(buffer.getByte(p + 5)) || buffer.getByte(p + 6) != '.' || !isDigit(buffer.getByte(p + 7))) {
                return "malformed request line: the version must be HTTP/1.1 or HTTP/1.0, in capitals, then CRLF"
                        + " (RFC 9112 §2.3)";
            }
            return null;
        }

        /**
         * Keeps the bytes of a head parsed whole in this call ({@link ReceivedHead#received}): from
         * {@code start} (past the empty lines allowed before a request line, RFC 9112 §2.2) to where
         * the parser stopped, the end of the head. A head parsed over several calls keeps none.
         */
        private void keepReceivedHead(ByteBuf buffer, int start, boolean headWhole, List<Object> out, int from) {
            for (int i = from; i < out.size(); i++) {
                if (out.get(i) instanceof ReceivedRequest request) {
                    headSplit = false;
                    if (headWhole && request.decoderResult().isSuccess()
                            && request.protocolVersion() == HttpVersion.HTTP_1_1) {
                        int end = buffer.readerIndex();
                        while (start < end && (buffer.getByte(start) == '\r' || buffer.getByte(start) == '\n')) {
                            start++;
                        }
                        byte[] head = ByteBufUtil.getBytes(buffer, start, end - start);
                        if (startsWithMethod(head, request.method().asciiName())) {
                            request.received(head);
                        }
                    }
                    return;
                }
            }
            if (headWhole && buffer.readerIndex() > start) {
                headSplit = true;
            }
        }

        private static boolean startsWithMethod(byte[] head, AsciiString method) {
            int n = method.length();
            if (head.length <= n || head[n] != ' ') {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (head[i] != method.byteAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** A head that keeps its bytes: for HTTP/1.1 and 1.0 (other versions are refused anyway). */
        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            String text = initialLine[2];
            HttpVersion version = HttpVersion.HTTP_1_1.text().equals(text) ? HttpVersion.HTTP_1_1
                    : HttpVersion.HTTP_1_0.text().equals(text) ? HttpVersion.HTTP_1_0 : null;
            if (version == null) {
                return super.createMessage(initialLine);
            }
            return new ReceivedRequest(version, HttpMethod.valueOf(initialLine[0]), initialLine[1], headersFactory);
        }

        /**
         * A request without a body comes out of Netty's decoder as its head followed by an empty
         * end: hand it on as one {@link FullHttpRequest} instead, so that it crosses the pipeline,
         * the flow control and the upstream's encoder once rather than twice (most requests are
         * such). Its decoder result (with the head's size) is the head's.
         */
        private void wholeWhenBodiless(List<Object> out, int from) {
            for (int i = from; i + 1 < out.size(); i++) {
                Object head = out.get(i);
                if (out.get(i + 1) == LastHttpContent.EMPTY_LAST_CONTENT && head instanceof HttpRequest
                        && !(head instanceof LastHttpContent) && ((HttpRequest) head).decoderResult().isSuccess()) {
                    HttpRequest r = (HttpRequest) head;
                    ReceivedFullRequest whole = new ReceivedFullRequest(r.protocolVersion(), r.method(), r.uri(),
                            r.headers());
                    whole.setDecoderResult(r.decoderResult());
                    whole.received(ReceivedHead.receivedOf(r));
                    out.set(i, whole);
                    out.remove(i + 1);
                }
            }
        }

        /**
         * The client's end of stream past an upgrade request keeps the bytes that came before it:
         * Netty's decoder would decode them one last time and release them, so the tunnel would pass
         * the end on without them. The event goes on (the exchange handler passes the end on once the
         * tunnel has the bytes); a close releases them as usual ({@code channelInactive}).
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (tunnelBound && evt instanceof ChannelInputShutdownEvent) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            // Watched before this read: a watch begun by a message of this read (a request held as
            // it was decoded) has just looked for itself.
            boolean watched = readsWatched;
            super.channelRead(ctx, msg);
            if (watched && msg instanceof ByteBuf) {
                ctx.fireUserEventTriggered(READ_WHILE_WATCHED);
            }
        }

        /**
         * Past an upgrade request the decoder does not ask for more when a read gave it nothing to
         * hand on (it would for a message cut short): what it keeps for the tunnel is what was
         * read with the request, not whatever the client sends until the origin answers.
         */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            if (tunnelBound) {
                discardSomeReadBytes();
                ctx.fireChannelReadComplete();
                return;
            }
            super.channelReadComplete(ctx);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (tunnelBound) {
                return;
            }
            if (broken) {
                in.skipBytes(in.readableBytes());
                return;
            }
            int before = out.size();
            try {
                super.decodeLast(ctx, in, out);
            } finally {
                messagesOut += out.size() - before;
            }
        }

        /**
         * Whether the unparsed start of a head holds a CR followed by anything but LF. The decoder
         * consumes whole lines, so what is left begins a line; the scan stops at the head's end
         * (an empty line after a non-empty one), where a body may begin.
         */
        private boolean hasBareCr(ByteBuf buffer) {
            int end = buffer.writerIndex();
            int lineStart = buffer.readerIndex();
            boolean sawLine = false;
            for (int i = buffer.readerIndex(); i < end; i++) {
                byte b = buffer.getByte(i);
                if (b == '\r') {
                    if (i + 1 >= end) {
                        return false;
                    }
                    if (buffer.getByte(i + 1) != '\n') {
                        return true;
                    }
                    if (i == lineStart && sawLine) {
                        return false;
                    }
                    sawLine |= i > lineStart;
                    i++;
                    lineStart = i + 1;
                } else if (b == '\n') {
                    sawLine |= i > lineStart;
                    lineStart = i + 1;
                }
            }
            return false;
        }

        private static final byte CR = '\r';
        private static final byte LF = '\n';
        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException("Content-Length and Transfer-Encoding together");
        }
    }

    /**
     * Encodes responses; a response to HEAD never gets a body. Interim (1xx) ones answer nothing.
     * A response with {@linkplain ReceivedHead#outgoing outgoing bytes} has them written in place
     * of its start line and fields.
     */
    final class ResponseEncoder extends HttpResponseEncoder {
        /** The head being encoded was written from its outgoing bytes: its fields are not encoded. */
        private boolean fieldsWritten;

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpResponse response) throws Exception {
            byte[] head = ReceivedHead.outgoingOf(response);
            if (head != null) {
                buf.writeBytes(head);
                fieldsWritten = true;
            } else {
                super.encodeInitialLine(buf, response);
            }
        }

        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (fieldsWritten) {
                fieldsWritten = false;
            } else {
                super.encodeHeaders(headers, buf);
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return true;
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }

    /** A request head as parsed, with its bytes as received. */
    static final class ReceivedRequest extends DefaultHttpRequest implements ReceivedHead {
        private byte[] received;
        private byte[] outgoing;

        ReceivedRequest(HttpVersion version, HttpMethod method, String uri, HttpHeadersFactory headers) {
            super(version, method, uri, headers);
        }

        @Override
        public byte[] received() {
            return received;
        }

        @Override
        public void received(byte[] head) {
            received = head;
        }

        @Override
        public byte[] outgoing() {
            return outgoing;
        }

        @Override
        public void outgoing(byte[] head) {
            outgoing = head;
        }
    }

    /** A bodiless request, whole, with its head's bytes as received. */
    static final class ReceivedFullRequest extends DefaultFullHttpRequest implements ReceivedHead {
        private byte[] received;
        private byte[] outgoing;
        /** The head's size as {@link #headSize(HttpRequest)} says, when the codec's strict parser read it; else -1. */
        int headSize = -1;

        ReceivedFullRequest(HttpVersion version, HttpMethod method, String uri, HttpHeaders headers) {
            super(version, method, uri, Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE);
        }

        @Override
        public byte[] received() {
            return received;
        }

        @Override
        public void received(byte[] head) {
            received = head;
        }

        @Override
        public byte[] outgoing() {
            return outgoing;
        }

        @Override
        public void outgoing(byte[] head) {
            outgoing = head;
        }
    }

    /** Request headers that refuse a second Content-Length field as it is parsed. */
    static final class SingleContentLengthHeaders extends CompactHttpHeaders {
        static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
            @Override
            public HttpHeaders newHeaders() {
                return new SingleContentLengthHeaders();
            }

            @Override
            public HttpHeaders newEmptyHeaders() {
                return new SingleContentLengthHeaders();
            }
        };

        SingleContentLengthHeaders() {
            // Names and values checked as Netty's default headers check them: the refusals stay.
            super(true);
        }

        @Override
        public HttpHeaders add(CharSequence name, Object value) {
            if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name) && contains(HttpHeaderNames.CONTENT_LENGTH)) {
                throw new IllegalArgumentException("more than one Content-Length");
            }
            return super.add(name, value);
        }

        @Override
        public HttpHeaders add(String name, Object value) {
            return add((CharSequence) name, value);
        }
    }
}
