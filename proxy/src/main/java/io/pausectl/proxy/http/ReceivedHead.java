package io.pausectl.proxy.http;

/**
 * A message head that keeps its bytes as received, so that the proxy can send them on with its
 * few edits made on the bytes ({@link HeadLines#edit}) instead of encoding the parsed head again
 * (one {@code String} per value, written back character by character). The parsed head is still
 * what every check and decision reads; these bytes are only what goes out.
 *
 * <p>Both arrays belong to the message; neither is reference-counted.
 */
public interface ReceivedHead {
    /**
     * The head as received, from the first byte of its start line through the empty line that
     * ends it (every line ending in CRLF), or null when not kept (it arrived over several reads,
     * or was changed after parsing).
     */
    byte[] received();

    void received(byte[] head);

    /**
     * What the encoder writes in place of the start line and header fields, without the empty
     * line that ends the head (the encoder adds it), or null to encode the parsed head. Set only
     * when it says exactly what the parsed head, edited the same way, would: the parsed head still
     * decides the body's framing.
     */
    byte[] outgoing();

    void outgoing(byte[] head);

    /** {@code message}'s received bytes, or null when it keeps none. */
    static byte[] receivedOf(Object message) {
        return message instanceof ReceivedHead r ? r.received() : null;
    }

    /** Forgets {@code message}'s received bytes (its parsed head was changed). */
    static void forget(Object message) {
        if (message instanceof ReceivedHead r) {
            r.received(null);
            r.outgoing(null);
        }
    }

    /** {@code message}'s outgoing bytes, or null when it is to be encoded. */
    static byte[] outgoingOf(Object message) {
        return message instanceof ReceivedHead r ? r.outgoing() : null;
    }
}
