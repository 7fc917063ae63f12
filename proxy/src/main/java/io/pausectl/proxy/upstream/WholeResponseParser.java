package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.pausectl.proxy.http.HeadBytes;
import io.pausectl.proxy.http.KnownWords;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One pass over an origin's answer of the everyday kind that arrived whole in the bytes read so
 * far: its head copied once, its fields kept as views over that copy (nothing else is copied: a
 * value becomes a {@code String} only when the proxy reads it), its body a slice of the read.
 * Netty's decoder splits every line, copies every value into a {@code String} and every status
 * word, and hands the body on as a second message (issue 13: the response parse was the largest
 * share of the proxy's own CPU after the socket calls).
 *
 * <p>It takes only what it can parse exactly as {@link UpstreamHttpCodec}'s Netty path would and
 * leaves everything else to that path (it returns null, having consumed nothing): a status line
 * other than {@code HTTP/1.1 SP 3DIGIT SP reason CRLF} with a reason of visible ASCII, SP and HTAB
 * (RFC 9112 §4) that neither starts nor ends with whitespace; a status of 1xx, 204 or 304, or any
 * answer to HEAD or CONNECT (their framing is not the length's); a field line that is not
 * {@code token ":" OWS value OWS CRLF} with a value of visible ASCII, SP and HTAB (RFC 9112 §5,
 * RFC 9110 §5.5: no obs-text, no control byte, no obs-fold); a bare CR or LF; a
 * {@code Transfer-Encoding} field; no {@code Content-Length}, more than one, or one that is not
 * 1 to 18 digits without a leading zero (RFC 9110 §8.6); a body longer than the decoder's chunk size or not all read yet;
 * a head near the decoder's line or header limits. So every refusal of the Netty path (502 for
 * control bytes, framing conflicts, limits) still happens there, on the same bytes.
 */
final class WholeResponseParser {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] VERSION = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final AsciiString CONTENT_LENGTH = HttpHeaderNames.CONTENT_LENGTH;
    private static final AsciiString TRANSFER_ENCODING = HttpHeaderNames.TRANSFER_ENCODING;
    /** KnownWords' shared spellings of the framing names (null when it has none). */
    private static final AsciiString KNOWN_LENGTH = known("Content-Length");
    private static final AsciiString KNOWN_LENGTH_LOWER = known("content-length");
    private static final AsciiString KNOWN_CODING = known("Transfer-Encoding");
    private static final AsciiString KNOWN_CODING_LOWER = known("transfer-encoding");

    private static AsciiString known(String spelling) {
        byte[] bytes = spelling.getBytes(StandardCharsets.US_ASCII);
        return KnownWords.name(bytes, 0, bytes.length);
    }
    private final int maxStatusLine;
    private final int maxFieldBytes;
    private final int maxBody;

    /**
     * @param maxStatusLine the decoder's longest initial line, in bytes (a longer one is left to it)
     * @param maxFieldBytes the decoder's largest header section, in bytes
     * @param maxBody       the decoder's chunk size, in bytes: a longer body is left to it
     */
    WholeResponseParser(int maxStatusLine, int maxFieldBytes, int maxBody) {
        this.maxStatusLine = maxStatusLine;
        this.maxFieldBytes = maxFieldBytes;
        this.maxBody = maxBody;
    }

    /**
     * The answer at {@code buffer}'s reader index to a request of {@code method}, whole, with the
     * buffer advanced past it (its body a retained slice of the buffer); or null, the buffer
     * untouched, when it is not of the kind described above or not all here yet.
     */
    UpstreamHttpCodec.ReceivedFullResponse parse(ByteBuf buffer, HttpMethod method) {
        if (method == null || method == HttpMethod.HEAD || method == HttpMethod.CONNECT) {
            return null;
        }
        int start = buffer.readerIndex();
        int headEnd = headEnd(buffer, start);
        if (headEnd < 0) {
            return null;
        }
        byte[] head = new byte[headEnd - start];
        buffer.getBytes(start, head);
        int statusEnd = lineEnd(head, 0);
        if (statusEnd < 0 || statusEnd > maxStatusLine - 2 || head.length - statusEnd - 2 > maxFieldBytes - 2) {
            return null;
        }
        HttpResponseStatus status = status(head, statusEnd);
        if (status == null) {
            return null;
        }
        UpstreamHttpCodec.SingleLengthHeaders headers = new UpstreamHttpCodec.SingleLengthHeaders();
        long length = -1;
        int line = statusEnd + 2;
        int[] lineStarts = new int[8];
        int fields = 0;
        while (line < head.length - 2) {
            if (fields + 1 == lineStarts.length) {
                lineStarts = Arrays.copyOf(lineStarts, 2 * lineStarts.length);
            }
            lineStarts[fields++] = line;
            int end = lineEnd(head, line);
            if (end < 0) {
                return null;
            }
            int colon = line;
            while (colon < end && HeadBytes.isTchar(head[colon])) {
                colon++;
            }
            if (colon == line || colon == end || head[colon] != ':') {
                return null;
            }
            int from = colon + 1;
            int to = end;
            while (from < to && (head[from] == ' ' || head[from] == '\t')) {
                from++;
            }
            while (to > from && (head[to - 1] == ' ' || head[to - 1] == '\t')) {
                to--;
            }
            for (int i = from; i < to; i++) {
                byte b = head[i];
                if ((b < 0x21 || b > 0x7e) && b != ' ' && b != '\t') {
                    return null;
                }
            }
            int nameLength = colon - line;
            AsciiString name = KnownWords.name(head, line, nameLength);
            boolean isLength;
            boolean isCoding;
            if (name != null) {
                // A shared name is the one spelled exactly so: compared by identity, not byte by byte.
                isLength = name == KNOWN_LENGTH || name == KNOWN_LENGTH_LOWER;
                isCoding = name == KNOWN_CODING || name == KNOWN_CODING_LOWER;
            } else {
                name = new AsciiString(head, line, nameLength, false);
                isLength = nameLength == CONTENT_LENGTH.length() && HeadBytes.sameIgnoringCase(head, line, CONTENT_LENGTH);
                isCoding = nameLength == TRANSFER_ENCODING.length()
                        && HeadBytes.sameIgnoringCase(head, line, TRANSFER_ENCODING);
            }
            if (isLength) {
                if (length >= 0 || (length = digits(head, from, to)) < 0) {
                    return null;
                }
            } else if (isCoding) {
                return null;
            }
            headers.addScanned(name, from == to ? AsciiString.EMPTY_STRING : new AsciiString(head, from, to - from, false));
            line = end + 2;
        }
        if (length < 0 || length > maxBody || buffer.writerIndex() - headEnd < length) {
            return null;
        }
        lineStarts[fields] = line;
        headers.scannedLines(head, lineStarts);
        buffer.readerIndex(headEnd);
        ByteBuf body = length == 0 ? Unpooled.EMPTY_BUFFER : buffer.readRetainedSlice((int) length);
        UpstreamHttpCodec.ReceivedFullResponse whole = new UpstreamHttpCodec.ReceivedFullResponse(HttpVersion.HTTP_1_1,
                status, body, headers);
        whole.received(head);
        return whole;
    }

    /**
     * The index just past the empty line that ends the head starting at {@code start}, or -1 when
     * it is not within the bytes read or the decoder's limits.
     */
    private int headEnd(ByteBuf buffer, int start) {
        int limit = Math.min(buffer.writerIndex(), start + maxStatusLine + maxFieldBytes);
        int from = start;
        while (from < limit) {
            int lf = buffer.indexOf(from, limit, LF);
            if (lf < 0 || lf + 2 >= limit) {
                return -1;
            }
            if (buffer.getByte(lf + 1) == CR && buffer.getByte(lf + 2) == LF) {
                return lf + 3;
            }
            from = lf + 1;
        }
        return -1;
    }

    /**
     * The index of the CR ending the line that starts at {@code from} (a CRLF), or -1 for a bare
     * CR or LF in it. The head ends with CRLF CRLF, so a CR is always found.
     */
    private static int lineEnd(byte[] head, int from) {
        for (int i = from; i < head.length; i++) {
            byte b = head[i];
            if (b == CR) {
                return head[i + 1] == LF ? i : -1;
            }
            if (b == LF) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The status of {@code HTTP/1.1 SP 3DIGIT SP reason} ending at {@code end}: Netty's shared
     * constant when the reason is its usual one, or null when the line is not of this plain kind.
     */
    private static HttpResponseStatus status(byte[] head, int end) {
        int reason = VERSION.length + 4;
        if (end <= reason || head[reason - 1] != ' ') {
            return null;
        }
        for (int i = 0; i < VERSION.length; i++) {
            if (head[i] != VERSION[i]) {
                return null;
            }
        }
        int code = 0;
        for (int i = VERSION.length; i < reason - 1; i++) {
            byte b = head[i];
            if (b < '0' || b > '9') {
                return null;
            }
            code = code * 10 + b - '0';
        }
        if (code < 200 || code > 599 || code == 204 || code == 304) {
            return null;
        }
        if (isWhitespace(head[reason]) || isWhitespace(head[end - 1])) {
            return null;
        }
        for (int i = reason; i < end; i++) {
            byte b = head[i];
            if ((b < 0x20 || b > 0x7e) && b != '\t') {
                return null;
            }
        }
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        String phrase = known.reasonPhrase();
        if (phrase.length() == end - reason && sameAscii(phrase, head, reason)) {
            return known;
        }
        String word = KnownWords.word(head, reason, end - reason);
        return new HttpResponseStatus(code, word != null ? word : new String(head, reason, end - reason,
                StandardCharsets.ISO_8859_1));
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean sameAscii(String text, byte[] bytes, int from) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != bytes[from + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value of 1 to 18 decimal digits in {@code [from, to)} without a leading zero (Netty's
     * decoder rewrites such a field to its plain value), or -1.
     */
    private static long digits(byte[] head, int from, int to) {
        if (from == to || to - from > 18 || head[from] == '0' && to - from > 1) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            byte b = head[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            value = value * 10 + b - '0';
        }
        return value;
    }
}
