package io.pausectl.proxy.http;

import io.netty.util.AsciiString;

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
     * one form this edits safely: every line ending in CRLF, the last one empty; no CR anywhere
     * but right before an LF (a bare CR, RFC 9112 §2.2: a recipient may read it as a line end, so
     * relaying it would let a value start a field of its own), whatever {@code namesValidated}
     * says; no control byte in the start line but HTAB (the parser reads VT, FF and CR there as
     * separators, RFC 9112 §4; encoding the parsed line writes each as one SP); no field line
     * folded onto the one before (obs-fold: RFC 9112 §5.2 has a proxy replace it, which the parsed
     * head does); every field name ending at its colon (no whitespace before it, RFC 9112 §5.1),
     * so that a name compared here is the name the parser read. All of it is checked in the one
     * pass that finds the line ends.
     *
     * @param received the head as received: start line, field lines, the empty line
     * @param drop     field names to leave out, compared without regard to ASCII case
     * @param add      name, value, name, value…: fields appended in this order; each character
     *                 is written as one byte (ISO-8859-1, as the parser read it)
     * @param namesValidated the parser refused a head with whitespace or a control character in
     *                 a field name or before its colon (both codecs do), so only the names compared need checking
     *                 for whitespace before the colon; bare CRs are looked for either way
     */
    public static byte[] edit(byte[] received, List<? extends CharSequence> drop, List<? extends CharSequence> add,
                              boolean namesValidated) {
        int end = received.length - 2;
        if (end < 2 || received[end] != CR || received[end + 1] != LF || received[end - 1] != LF
                || received[end - 2] != CR) {
            return null;
        }
        int firstLf = startLineEnd(received, end);
        if (firstLf <= 0 || received[firstLf - 1] != CR) {
            return null;
        }
        // Many names (a Connection field naming many): looked up in a set, so the edit stays one
        // pass over the lines however many there are.
        FieldNames dropSet = drop.size() >= FieldNames.SET_FROM ? FieldNames.of(drop) : null;
        // Which first letters (folded to lower case, mod 64) a dropped name may start with: a line
        // starting otherwise is kept without looking for its colon.
        long firsts = 0;
        for (int n = 0; n < drop.size(); n++) {
            CharSequence name = drop.get(n);
            if (name.length() > 0) {
                firsts |= 1L << (HeadBytes.lower(name.charAt(0)) & 63);
            }
        }
        // Pass 1: check every line, measure what is kept.
        int kept = firstLf + 1;
        int dropped = 0;
        for (int line = firstLf + 1; line < end; ) {
            int lf = lineEnd(received, line, end);
            int verdict = verdict(received, line, lf, firsts, drop, dropSet, namesValidated);
            if (verdict < 0) {
                return null;
            }
            if (verdict == 0) {
                kept += lf + 1 - line;
            } else {
                dropped++;
            }
            line = lf + 1;
        }
        int addBytes = 0;
        for (int i = 0; i + 1 < add.size(); i += 2) {
            addBytes += add.get(i).length() + add.get(i + 1).length() + 4;
        }
        byte[] out = new byte[kept + addBytes];
        int length;
        if (dropped == 0) {
            System.arraycopy(received, 0, out, 0, kept);
            length = kept;
        } else {
            // Pass 2: copy the kept lines, runs of them at once.
            length = 0;
            int run = 0;
            for (int line = firstLf + 1; line < end; ) {
                int lf = lineEnd(received, line, end);
                if (verdict(received, line, lf, firsts, drop, dropSet, namesValidated) != 0) {
                    System.arraycopy(received, run, out, length, line - run);
                    length += line - run;
                    run = lf + 1;
                }
                line = lf + 1;
            }
            System.arraycopy(received, run, out, length, end - run);
            length += end - run;
        }
        return append(out, length, add);
    }

    /**
     * {@link #edit}'s result for a head whose fields a strict parser read from {@code received} and
     * still are as read ({@link CompactHttpHeaders#lineStartsIn}), made from the line starts that
     * parser kept instead of a second, checking scan: what the strict parsers accept (a start line
     * of tokens, a target and a reason without control bytes; token names ending at their colon;
     * values of visible ASCII, SP and HTAB; CRLF line ends) is what {@link #edit} checks for, so
     * both give the same bytes for it. A field is dropped when its name is in {@code always} or in
     * {@code drop}.
     *
     * @param always names every head of this kind drops (a set made once)
     * @param drop   more names to drop (the head's {@code Connection} options, look-alikes), compared
     *               without regard to ASCII case
     * @param add    name, value, name, value…: fields appended in this order, as in {@link #edit}
     * @return the edited head, without the empty line that ends it; null when {@code fields} holds
     *         no line starts for {@code received} (the caller edits with {@link #edit} instead)
     */
    public static byte[] relay(byte[] received, CompactHttpHeaders fields, FieldNames always,
                               List<? extends CharSequence> drop, List<? extends CharSequence> add) {
        int[] starts = fields.lineStartsIn(received);
        if (starts == null) {
            return null;
        }
        int n = fields.size();
        FieldNames dropSet = drop.size() >= FieldNames.SET_FROM ? FieldNames.of(drop) : null;
        // Pass 1: which fields go (the first 64 remembered, the rest asked again), what is kept.
        long droppedBits = 0;
        int dropped = 0;
        int kept = starts[n];
        for (int i = 0; i < n; i++) {
            if (dropped(fields.nameAt(i), always, drop, dropSet)) {
                dropped++;
                kept -= starts[i + 1] - starts[i];
                if (i < 64) {
                    droppedBits |= 1L << i;
                }
            }
        }
        int addBytes = 0;
        for (int i = 0; i + 1 < add.size(); i += 2) {
            addBytes += add.get(i).length() + add.get(i + 1).length() + 4;
        }
        byte[] out = new byte[kept + addBytes];
        int length = 0;
        if (dropped == 0) {
            System.arraycopy(received, 0, out, 0, kept);
            length = kept;
        } else {
            // Pass 2: copy the kept lines, runs of them at once.
            int run = 0;
            for (int i = 0; i < n; i++) {
                if (i < 64 ? (droppedBits & (1L << i)) != 0 : dropped(fields.nameAt(i), always, drop, dropSet)) {
                    System.arraycopy(received, run, out, length, starts[i] - run);
                    length += starts[i] - run;
                    run = starts[i + 1];
                }
            }
            System.arraycopy(received, run, out, length, starts[n] - run);
            length += starts[n] - run;
        }
        return append(out, length, add);
    }

    private static boolean dropped(CharSequence name, FieldNames always, List<? extends CharSequence> drop,
                                   FieldNames dropSet) {
        if (always.contains(name)) {
            return true;
        }
        if (dropSet != null) {
            return dropSet.contains(name);
        }
        for (int i = 0; i < drop.size(); i++) {
            if (HeadBytes.sameIgnoringCase(name, drop.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Writes the fields of {@code add} into {@code out} from {@code length}, which they fill. */
    private static byte[] append(byte[] out, int length, List<? extends CharSequence> add) {
        for (int i = 0; i + 1 < add.size(); i += 2) {
            length = write(out, length, add.get(i));
            out[length++] = ':';
            out[length++] = ' ';
            length = write(out, length, add.get(i + 1));
            out[length++] = CR;
            out[length++] = LF;
        }
        return out;
    }

    /**
     * For the field line from {@code line} to its LF at {@code lf}: 0 to keep it, 1 to drop it,
     * -1 when it is not a line this edits safely.
     */
    private static int verdict(byte[] bytes, int line, int lf, long firsts, List<? extends CharSequence> drop,
                               FieldNames dropSet, boolean namesValidated) {
        if (lf < 0 || lf - 1 == line || bytes[lf - 1] != CR) {
            return -1;
        }
        byte first = bytes[line];
        if (first == ' ' || first == '\t' || first == ':') {
            return -1;
        }
        if ((firsts & (1L << (HeadBytes.lower(first) & 63))) == 0) {
            // Not a dropped name. Unless the parser refused it, whitespace before its colon makes
            // the line unsafe to relay: RFC 9112 §5.1 has a proxy remove it, the parsed head does.
            return namesValidated || !whitespaceBeforeColon(bytes, line, lf) ? 0 : -1;
        }
        int colon = -1;
        for (int i = line; i < lf; i++) {
            byte b = bytes[i];
            if (b == ':') {
                colon = i;
                break;
            }
            if (b == ' ' || b == '\t') {
                return -1;
            }
        }
        if (colon < 0) {
            return -1;
        }
        return (dropSet != null ? dropSet.contains(bytes, line, colon) : named(bytes, line, colon, drop)) ? 1 : 0;
    }

    private static boolean whitespaceBeforeColon(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == ':') {
                return false;
            }
            if (b == ' ' || b == '\t') {
                return true;
            }
        }
        return true;
    }

    /**
     * The index of the LF ending the line that starts at {@code from}, or -1 when there is none
     * before {@code to} or a CR comes first that is not right before it (a bare CR). {@code to}
     * is at most the index of the head's last CR, so {@code bytes[i + 1]} is always there.
     */
    private static int lineEnd(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == LF) {
                return i;
            }
            if (b == CR && bytes[i + 1] != LF) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * {@link #lineEnd} for the start line, which also holds no control byte (0x00-0x1F, 0x7F) but
     * HTAB and its final CR.
     */
    private static int startLineEnd(byte[] bytes, int to) {
        for (int i = 0; i < to; i++) {
            int b = bytes[i] & 0xff;
            if (b == LF) {
                return i;
            }
            if (b < 0x20 && b != '\t' && !(b == CR && bytes[i + 1] == LF) || b == 0x7f) {
                return -1;
            }
        }
        return -1;
    }

    private static boolean named(byte[] bytes, int from, int to, List<? extends CharSequence> names) {
        int length = to - from;
        for (int n = 0; n < names.size(); n++) {
            CharSequence name = names.get(n);
            if (name.length() == length && HeadBytes.sameIgnoringCase(bytes, from, name)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("deprecation")
    private static int write(byte[] out, int at, CharSequence text) {
        int n = text.length();
        if (text instanceof AsciiString ascii) {
            System.arraycopy(ascii.array(), ascii.arrayOffset(), out, at, n);
        } else if (text instanceof String s) {
            // One byte per char, as the parser read them (ISO-8859-1): the low byte of each.
            s.getBytes(0, n, out, at);
        } else {
            for (int i = 0; i < n; i++) {
                out[at + i] = (byte) text.charAt(i);
            }
        }
        return at + n;
    }
}
