package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.pausectl.proxy.http.CompactHttpHeaders;
import io.pausectl.proxy.http.KnownWords;
import io.pausectl.proxy.http.ReceivedHead;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The upstream side's HTTP/1.1 codec: what Netty's {@code HttpClientCodec} does for a proxy
 * (requests out, responses in, each response paired with its request's method so that the answer
 * to a HEAD is read without a body; interim 1xx answers pair with nothing), checked as strictly as
 * the client side (RFC 9112 §6.3: a response with invalid framing is not passed on, the proxy
 * answers 502 and closes the connection):
 * <ul>
 *   <li>{@code Content-Length} fields (or list members) with different values, in any HTTP
 *       version (Netty takes the first one from an HTTP/1.0 response); equal repeats are one
 *       length (RFC 9110 §8.6);</li>
 *   <li>{@code Transfer-Encoding} together with {@code Content-Length} (Netty would drop the
 *       length and carry on);</li>
 *   <li>a field line whose name is empty or does not end at its colon (whitespace in the name or
 *       before the colon, RFC 9112 §5.1), in the head and in the trailer fields;</li>
 *   <li>a field name that is not a token, or a field value with a control byte (0x00-0x1F but
 *       HTAB, 0x7F), in the head and in a chunked body's trailer fields (RFC 9110 §5.1, §5.5;
 *       obs-text, 0x80-0xFF, passes): a bare CR in a value would reach the client, which may read
 *       it as a line end and the rest as a field of its own (RFC 9112 §2.2), say
 *       {@code Set-Cookie} or a second {@code Content-Length}; the client side refuses the same
 *       with 400. Checked by Netty's header validators as each field is added: one pass over its
 *       chars, nothing allocated. A trailer refused after the head went out cuts the response;</li>
 *   <li>a status code that is not three digits from 100 to 599 (RFC 9112 §4, RFC 9110 §15);</li>
 *   <li>a control byte but HTAB in the status line's reason phrase (RFC 9112 §4: {@code HTAB /
 *       SP / VCHAR / obs-text}).</li>
 * </ul>
 * The request line goes out with the target's bytes as the client sent them (Netty's encoder
 * would write the target as UTF-8, turning each received byte of 0x80 or more into two).
 *
 * <p>It also tells whether bytes the upstream sent are still unread after the end of a response
 * ({@link #hasUnreadBytes}). Such bytes were sent before the proxy wrote any next request, so they
 * answer nothing the proxy asked: the connection is out of step and must not be reused.
 */
final class UpstreamHttpCodec extends CombinedChannelDuplexHandler<UpstreamHttpCodec.ResponseDecoder, UpstreamHttpCodec.RequestEncoder> {
    private static final byte SP = ' ';
    private static final int CRLF = ('\r' << 8) | '\n';
    private static final byte[] STATUS_LINE_START = "HTTP/1.1 ".getBytes(CharsetUtil.US_ASCII);
    private static final ByteBuf STATUS_LINE_START_BUF = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(STATUS_LINE_START));

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    UpstreamHttpCodec(HttpDecoderConfig config) {
        this(config, true);
    }

    /** @param wholeResponses whether {@link WholeResponseParser} parses the answers it can (tests compare both ways) */
    UpstreamHttpCodec(HttpDecoderConfig config, boolean wholeResponses) {
        init(new ResponseDecoder(config.setHeadersFactory(SingleLengthHeaders.FACTORY)
                .setTrailersFactory(CompactHttpHeaders.like(DefaultHttpHeadersFactory.trailersFactory()))
                .setAllowDuplicateContentLengths(true), wholeResponses), new RequestEncoder());
    }

    /** Whether bytes read from the upstream wait undecoded (checked at the end of a response). */
    boolean hasUnreadBytes() {
        return inboundHandler().unreadBytes() > 0;
    }

    /** Decodes responses, pairing each final one with the method of its request. */
    final class ResponseDecoder extends HttpResponseDecoder {
        private final WholeResponseParser wholeResponses;
        /**
         * Netty's path parses every answer from now on: one failed (its decoder discards the rest)
         * or switched protocols (its decoder passes the bytes after it on as they are).
         */
        private boolean nettyOnly;

        ResponseDecoder(HttpDecoderConfig config, boolean wholeResponses) {
            super(config);
            this.wholeResponses = new WholeResponseParser(config.getMaxInitialLineLength(), config.getMaxHeaderSize(),
                    config.getMaxChunkSize());
            this.nettyOnly = !wholeResponses;
        }

        int unreadBytes() {
            return actualReadableBytes();
        }

        /** The decoder is between responses: the next call starts a head (or part of one). */
        private boolean atHeadStart = true;

        /**
         * A field name an origin commonly sends, spelled exactly as received, is the one shared
         * {@code AsciiString} of that spelling instead of a copy per head (Netty's request decoder
         * does the same for a few request fields; its response decoder copies every name).
         */
        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            checkNameEndsAtColon(sb, start, length);
            AsciiString known = KnownWords.name(sb, start, length);
            return known != null ? known : super.splitHeaderName(sb, start, length);
        }

        /**
         * Refuses a field line (head or trailer) whose name does not end at its colon, or is empty
         * (RFC 9112 §5.1: {@code field-name ":" OWS field-value OWS}, no whitespace between name and
         * colon). Netty's response parser ends a name at the first SP or HTAB and skips to the
         * colon, so {@code X A: ab} would go on as {@code X: ab}, a line without any colon but with
         * a space as a field with an empty value, and {@code  X: v} (leading whitespace) under an
         * empty name; nginx answers such responses 502, and the client side refuses the same with
         * 400. Netty calls this with the whole line in its own line buffer, however the head was
         * split over reads, and ends {@code length} before the line's end (a line without SP, HTAB
         * or colon is refused before), so the byte after the name is the one the parser stopped at.
         */
        private static void checkNameEndsAtColon(byte[] line, int start, int length) {
            if (length == 0) {
                throw new IllegalArgumentException("a field line without a name");
            }
            if (line[start + length] != ':') {
                throw new IllegalArgumentException("whitespace in a field name or before its colon");
            }
        }

        @Override
        protected String splitFirstWordInitialLine(byte[] sb, int start, int length) {
            String known = KnownWords.word(sb, start, length);
            return known != null ? known : super.splitFirstWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitSecondWordInitialLine(byte[] sb, int start, int length) {
            String known = KnownWords.word(sb, start, length);
            return known != null ? known : super.splitSecondWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitThirdWordInitialLine(byte[] sb, int start, int length) {
            String known = KnownWords.word(sb, start, length);
            return known != null ? known : super.splitThirdWordInitialLine(sb, start, length);
        }

        /** A final response's head: one that keeps its bytes (HTTP/1.1; others are encoded as parsed). */
        @Override
        protected HttpMessage createMessage(String[] initialLine) {
            int code = statusCode(initialLine[1]);
            checkReasonPhrase(initialLine[2]);
            if (!HttpVersion.HTTP_1_1.text().equals(initialLine[0])) {
                return super.createMessage(initialLine);
            }
            return new ReceivedResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code, initialLine[2]),
                    headersFactory);
        }

        /**
         * The status code: exactly three digits (RFC 9112 §4: {@code status-code = 3DIGIT}) from 100
         * to 599 (RFC 9110 §15: values outside are invalid, and a recipient treats such a response
         * as a 5xx). Netty takes any integer, and would pass {@code 099} on as {@code 99} and
         * {@code 2000} or {@code 999} as sent, which clients refuse or misread.
         *
         * @throws IllegalArgumentException for any other code (the proxy answers 502)
         */
        private static int statusCode(String text) {
            if (text.length() != 3) {
                throw new IllegalArgumentException("status code '" + text + "' is not three digits");
            }
            int code = 0;
            for (int i = 0; i < 3; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    throw new IllegalArgumentException("status code '" + text + "' is not three digits");
                }
                code = code * 10 + c - '0';
            }
            if (code < 100 || code > 599) {
                throw new IllegalArgumentException("status code " + code + " is outside 100-599");
            }
            return code;
        }

        /**
         * Refuses a reason phrase with a control byte but HTAB (RFC 9112 §4); Netty refuses only
         * CR and LF there, and splits the line on VT, FF and CR as on SP (those separators never
         * go on: {@link io.pausectl.proxy.http.HeadLines#edit} leaves such a line to be encoded).
         */
        private static void checkReasonPhrase(String reason) {
            for (int i = 0; i < reason.length(); i++) {
                char c = reason.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new IllegalArgumentException("control character 0x" + Integer.toHexString(c)
                            + " in the status line's reason phrase");
                }
            }
        }

        /**
         * Keeps the bytes of a head parsed whole in one call ({@link ReceivedHead#received}): from
         * {@code start} to where the parser stopped after it. A head parsed over several calls
         * keeps none; so does one whose status line is not exactly {@code HTTP/1.1 SP 3DIGIT SP}
         * (RFC 9112 §4): Netty's decoder reads {@code HTTP/1.1  200 OK} (two spaces) or a line
         * starting with a space leniently, and such a head is re-encoded from what was parsed, so the
         * client gets one well-formed status line whichever way the head arrived.
         */
        private void keepReceivedHead(ByteBuf buffer, int start, int end, boolean headWhole, Object first) {
            if (first instanceof ReceivedResponse response && headWhole && response.decoderResult().isSuccess()
                    && end - start > STATUS_LINE_START.length + 4
                    && ByteBufUtil.equals(buffer, start, STATUS_LINE_START_BUF, 0, STATUS_LINE_START.length)
                    && statusCodeAt(buffer, start + STATUS_LINE_START.length) == response.status().code()
                    && buffer.getByte(start + STATUS_LINE_START.length + 3) == ' ') {
                response.received(ByteBufUtil.getBytes(buffer, start, end - start));
            }
        }

        /** The three digits at {@code index} as a number, or -1 where any of them is not a digit. */
        private static int statusCodeAt(ByteBuf buffer, int index) {
            int code = 0;
            for (int i = index; i < index + 3; i++) {
                byte b = buffer.getByte(i);
                if (b < '0' || b > '9') {
                    return -1;
                }
                code = code * 10 + b - '0';
            }
            return code;
        }

        /**
         * A final response whose whole body is already read comes out as one
         * {@link FullHttpResponse} instead of its head and then its end, so that it crosses both
         * pipelines and the client's encoder once (which then writes it as one buffer). Netty's
         * decoder stops after a head; the body is decoded here at once when its bytes are there.
         */
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (atHeadStart && !nettyOnly) {
                // Between answers Netty's decoder waits at its initial state, which a whole answer
                // parsed here leaves as it is.
                ReceivedFullResponse whole = wholeResponses.parse(buffer, methods.peek());
                if (whole != null) {
                    methods.poll();
                    out.add(whole);
                    return;
                }
            }
            int before = out.size();
            decodeByNetty(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                Object o = out.get(i);
                if (o instanceof HttpObject m && m.decoderResult().isFailure()
                        || o instanceof HttpResponse r && r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                    nettyOnly = true;
                }
            }
        }

        private void decodeByNetty(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            int start = buffer.readerIndex();
            boolean headWhole = atHeadStart;
            super.decode(ctx, buffer, out);
            if (out.size() <= before) {
                if (atHeadStart && buffer.readerIndex() > start) {
                    atHeadStart = false;
                }
                return;
            }
            atHeadStart = out.get(out.size() - 1) instanceof LastHttpContent;
            Object first = out.get(before);
            if (first instanceof HttpResponse) {
                keepReceivedHead(buffer, start, buffer.readerIndex(), headWhole, first);
            }
            if (!(first instanceof HttpResponse) || first instanceof HttpContent
                    || !((HttpResponse) first).decoderResult().isSuccess()
                    || ((HttpResponse) first).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return;
            }
            if (out.size() == before + 1 && buffer.isReadable()) {
                super.decode(ctx, buffer, out);
                atHeadStart = out.get(out.size() - 1) instanceof LastHttpContent;
            }
            if (out.size() == before + 2 && out.get(before + 1) instanceof LastHttpContent) {
                LastHttpContent end = (LastHttpContent) out.get(before + 1);
                if (end.decoderResult().isSuccess() && end.trailingHeaders().isEmpty()) {
                    HttpResponse head = (HttpResponse) first;
                    ReceivedFullResponse whole = new ReceivedFullResponse(head.protocolVersion(), head.status(),
                            end.content(), head.headers());
                    whole.setDecoderResult(head.decoderResult());
                    whole.received(ReceivedHead.receivedOf(head));
                    out.set(before, whole);
                    out.remove(before + 1);
                }
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // RFC 9112 §6.3: a 1xx ends at its blank line, always. Netty's default reads a body
                // after a 101 carrying Upgrade: websocket without Sec-WebSocket-Accept (Hixie-76,
                // obsolete), so such an upgrade never became a tunnel and held its exchange open.
                return true;
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException("Content-Length and Transfer-Encoding together");
        }
    }

    /**
     * Encodes requests, noting each one's method for the decoder; the target goes out byte for byte.
     * A request with {@linkplain ReceivedHead#outgoing outgoing bytes} has them written in place of
     * its request line and fields.
     */
    final class RequestEncoder extends HttpRequestEncoder {
        /** The head being encoded was written from its outgoing bytes: its fields are not encoded. */
        private boolean fieldsWritten;

        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (fieldsWritten) {
                fieldsWritten = false;
            } else {
                super.encodeHeaders(headers, buf);
            }
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest) {
                methods.add(((HttpRequest) msg).method());
            }
            super.encode(ctx, msg, out);
        }

        /**
         * The decoder made one char of each received byte (ISO-8859-1), so writing each char back
         * as one byte forwards the target exactly as received.
         */
        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) {
            byte[] head = ReceivedHead.outgoingOf(request);
            if (head != null) {
                buf.writeBytes(head);
                fieldsWritten = true;
                return;
            }
            ByteBufUtil.copy(request.method().asciiName(), buf);
            buf.writeByte(SP);
            String uri = request.uri();
            buf.writeCharSequence(uri.isEmpty() ? "/" : uri, CharsetUtil.ISO_8859_1);
            buf.writeByte(SP);
            buf.writeCharSequence(request.protocolVersion().text(), CharsetUtil.US_ASCII);
            buf.writeShort(CRLF);
        }
    }

    /** A response head as parsed, with its bytes as received. */
    static final class ReceivedResponse extends DefaultHttpResponse implements ReceivedHead {
        private byte[] received;
        private byte[] outgoing;

        ReceivedResponse(HttpVersion version, HttpResponseStatus status, HttpHeadersFactory headers) {
            super(version, status, headers);
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

    /** A response read whole, with its head's bytes as received. */
    static final class ReceivedFullResponse extends DefaultFullHttpResponse implements ReceivedHead {
        private byte[] received;
        private byte[] outgoing;

        ReceivedFullResponse(HttpVersion version, HttpResponseStatus status, ByteBuf content, HttpHeaders headers) {
            super(version, status, content, headers, EmptyHttpHeaders.INSTANCE);
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

    /**
     * Response headers that refuse a second {@code Content-Length} with a different value as it
     * is parsed (in any HTTP version; Netty checks repeats only for HTTP/1.1).
     */
    static final class SingleLengthHeaders extends CompactHttpHeaders {
        static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
            @Override
            public HttpHeaders newHeaders() {
                return new SingleLengthHeaders();
            }

            @Override
            public HttpHeaders newEmptyHeaders() {
                return new SingleLengthHeaders();
            }
        };

        /**
         * Names validated as tokens and values as field values (RFC 9110 §5.1, §5.5), as on the
         * client side: an origin's bytes reach the client, whose parser may differ from Netty's
         * (a bare CR, a NUL).
         */
        SingleLengthHeaders() {
            super(true);
        }

        @Override
        public HttpHeaders add(CharSequence name, Object value) {
            if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
                String before = get(HttpHeaderNames.CONTENT_LENGTH);
                String text = value.toString();
                if (before != null && !sameLengths(before, text) || text.indexOf(',') >= 0 && !sameLengths(text, text)) {
                    throw new IllegalArgumentException("Content-Length values differ");
                }
            }
            return super.add(name, value);
        }

        @Override
        public HttpHeaders add(String name, Object value) {
            return add((CharSequence) name, value);
        }

        /** Whether every comma-separated member of both values is the same length. */
        private static boolean sameLengths(String a, String b) {
            String first = null;
            for (String part : (a + "," + b).split(",", -1)) {
                String trimmed = part.trim();
                if (first == null) {
                    first = trimmed;
                } else if (!first.equals(trimmed)) {
                    return false;
                }
            }
            return true;
        }
    }
}
