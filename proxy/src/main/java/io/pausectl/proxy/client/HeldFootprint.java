package io.pausectl.proxy.client;

import io.netty.handler.codec.http.HttpRequest;
import io.pausectl.proxy.http.ReceivedHead;

import java.util.Iterator;
import java.util.Map;

/**
 * What a held request keeps on the heap, in bytes, as the gate counts it against
 * {@code --max-queued-bytes}. The head's size on the wire undercounts it by far: a held request
 * keeps its parsed head (every name and value an object of its own), the decoder's line buffer
 * grown to the head's longest line, the bytes read from the socket with the head and not parsed
 * yet (the start of its body, pipelined requests), the head's bytes as received (kept to be
 * relayed), and its connection's own objects.
 *
 * <p>An estimate, deliberately on the high side: the bound is a promise about memory, so
 * counting too much only refuses a little early.
 */
final class HeldFootprint {
    /**
     * The connection's channel, pipeline, handlers and the exchange's own objects: 2.6-2.8 KiB
     * measured (a class histogram of a proxy holding 5,000 requests against the same proxy idle,
     * bench/RESULTS.md "Issue 13, session 7"), rounded up.
     */
    static final int CONNECTION_BYTES = 3072;
    /**
     * A header field's objects besides its characters: its value's {@code String} and its name's
     * {@code AsciiString} (unless a common one, shared) with their arrays' headers, and two slots
     * of the compact headers' array. Measured: 181 bytes of live heap per added 38-byte field line,
     * of which 34 are its characters and 38 its received bytes (both counted apart), so 109; rounded
     * up. (It was 160, from Netty's hash-table headers: with it and a connection counted at 4 KiB,
     * the default 64 MiB refused ordinary requests of a dozen fields from about the 8,300th held on,
     * before the default 10,000.)
     */
    static final int PER_HEADER_BYTES = 112;
    /** The request object, its headers map and its target. */
    static final int HEAD_BYTES = 512;
    /**
     * The most one socket read brings (the adaptive receive buffer's largest size): what messages
     * parsed behind a held request and waiting in the flow control keep at most.
     */
    static final int ONE_READ_BYTES = 64 * 1024;

    private HeldFootprint() {
    }

    /**
     * @param request      the parsed head
     * @param wireBytes    the head's size on the wire
     * @param unparsedRead what the decoder keeps of the socket reads beyond the head (its
     *                     cumulation buffer's capacity), body bytes included
     */
    static int of(HttpRequest request, int wireBytes, int unparsedRead) {
        long bytes = CONNECTION_BYTES + HEAD_BYTES + 2L * request.uri().length();
        int longestLine = request.uri().length() + 32;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            int line = h.getKey().length() + h.getValue().length() + 4;
            bytes += PER_HEADER_BYTES + line;
            longestLine = Math.max(longestLine, line);
        }
        // The decoder's line buffer keeps the capacity of the longest line it parsed.
        bytes += Math.max(longestLine, wireBytes / 8);
        bytes += Math.max(0, unparsedRead);
        // The head's bytes as received, kept to be relayed when it is released.
        byte[] received = ReceivedHead.receivedOf(request);
        if (received != null) {
            bytes += 16 + received.length;
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
