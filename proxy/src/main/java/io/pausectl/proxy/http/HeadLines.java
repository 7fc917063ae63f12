package io.pausectl.proxy.http;

import java.util.Arrays;
import java.util.List;

/**
 * Edits a received HTTP/1.1 head on its bytes: header fields left out by name, fields appended.
 * What a proxy does to the heads it forwards (hop-by-hop fields out, forwarding fields in) without
 * re-encoding the fields it leaves alone. Lines the edit does not touch go out byte for byte.
 */
public final class HeadLines {
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private HeadLines() {
    }

    /**
     * The head {@code received} with every field whose name is in {@code drop} left out and the
     * fields of {@code add} appended, without the empty line that ends the head.
     *
     * <p>Null (the caller encodes the parsed head instead) when the bytes are not a head in the
     * one form this edits safely: every line ending in CRLF, the last one empty; no field line
     * folded onto the one before (obs-fold: RFC 9112 §5.2 has a proxy replace it, which the parsed
     * head does); every field name ending at its colon (no whitespace before it, RFC 9112 §5.1),
     * so that a name compared here is the name the parser read.
     *
     * @param received the head as received: start line, field lines, the empty line
     * @param drop     field names to leave out, compared without regard to ASCII case
     * @param add      name, value, name, value…: fields appended in this order; each character
     *                 is written as one byte (ISO-8859-1, as the parser read it)
     */
    public static byte[] edit(byte[] received, List<? extends CharSequence> drop, List<? extends CharSequence> add) {
        int end = received.length - 2;
        if (end < 2 || received[end] != CR || received[end + 1] != LF || received[end - 1] != LF
                || received[end - 2] != CR) {
            return null;
        }
        int addBytes = 0;
        for (int i = 0; i + 1 < add.size(); i += 2) {
            addBytes += add.get(i).length() + add.get(i + 1).length() + 4;
        }
        byte[] out = new byte[end + addBytes];
        int firstLf = indexOf(received, LF, 0, end);
        if (firstLf <= 0 || received[firstLf - 1] != CR) {
            return null;
        }
        System.arraycopy(received, 0, out, 0, firstLf + 1);
        int length = firstLf + 1;
        int line = firstLf + 1;
        while (line < end) {
            int lf = indexOf(received, LF, line, end);
            if (lf < 0 || received[lf - 1] != CR || lf - 1 == line) {
                return null;
            }
            byte first = received[line];
            if (first == ' ' || first == '\t') {
                return null;
            }
            int colon = nameEnd(received, line, lf - 1);
            if (colon < 0) {
                return null;
            }
            if (!named(received, line, colon, drop)) {
                System.arraycopy(received, line, out, length, lf + 1 - line);
                length += lf + 1 - line;
            }
            line = lf + 1;
        }
        for (int i = 0; i + 1 < add.size(); i += 2) {
            length = write(out, length, add.get(i));
            out[length++] = ':';
            out[length++] = ' ';
            length = write(out, length, add.get(i + 1));
            out[length++] = CR;
            out[length++] = LF;
        }
        return length == out.length ? out : Arrays.copyOf(out, length);
    }

    private static int indexOf(byte[] bytes, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the colon ending the field name that starts at {@code from}, or -1. */
    private static int nameEnd(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == ':') {
                return i == from ? -1 : i;
            }
            if (b == ' ' || b == '\t') {
                return -1;
            }
        }
        return -1;
    }

    private static boolean named(byte[] bytes, int from, int to, List<? extends CharSequence> names) {
        int length = to - from;
        for (int n = 0; n < names.size(); n++) {
            CharSequence name = names.get(n);
            if (name.length() == length && sameIgnoringCase(bytes, from, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameIgnoringCase(byte[] bytes, int from, CharSequence name) {
        for (int i = 0; i < name.length(); i++) {
            int a = bytes[from + i] & 0xff;
            int b = name.charAt(i);
            if (a != b && lower(a) != lower(b)) {
                return false;
            }
        }
        return true;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static int write(byte[] out, int at, CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            out[at++] = (byte) text.charAt(i);
        }
        return at;
    }
}
