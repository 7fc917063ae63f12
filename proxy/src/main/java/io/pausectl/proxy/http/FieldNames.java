package io.pausectl.proxy.http;

import io.netty.util.AsciiString;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A set of field names compared without regard to ASCII case (RFC 9110 §5.1), looked up in
 * constant time by name or by a name's received bytes: what a head's fields are checked against
 * when a {@code Connection} field names many of them, so that stripping them is one sweep of the
 * fields, whatever the number of options (a list compared with every field made a head of a
 * thousand options and a thousand fields cost the event loop ~50 ms).
 *
 * <p>The names come from the peer, so the hash's multiplier is drawn at random once per process:
 * names that collide cannot be chosen in advance (hash flooding). Open addressing, at most half full.
 */
public final class FieldNames {
    /** Below this many names, comparing each is cheaper than building a set (no allocation). */
    public static final int SET_FROM = 8;
    /**
     * Odd, and 3 or 5 modulo 8: the multiplicative order modulo 2^32 is then the greatest (2^30).
     * A multiplier near ±1 modulo a high power of two (such as {@code 0x...ffff}) makes the
     * polynomial hash of similar names a small sum of their chars, so thousands of them collide
     * whole: one process in 40 read a head's names six times over (HeadLinesTest, session 8).
     */
    private static final int MULTIPLIER = (ThreadLocalRandom.current().nextInt() & ~7)
            | (ThreadLocalRandom.current().nextBoolean() ? 3 : 5);

    private final CharSequence[] table;
    private final int mask;
    private final int shift;

    private FieldNames(List<? extends CharSequence> names) {
        int capacity = Integer.highestOneBit(Math.max(4, names.size() * 2 - 1)) << 1;
        table = new CharSequence[capacity];
        mask = capacity - 1;
        shift = 32 - Integer.numberOfTrailingZeros(capacity);
        for (int i = 0; i < names.size(); i++) {
            CharSequence name = names.get(i);
            int slot = slot(hash(name));
            while (table[slot] != null) {
                if (HeadBytes.sameIgnoringCase(table[slot], name)) {
                    break;
                }
                slot = (slot + 1) & mask;
            }
            table[slot] = name;
        }
    }

    /** The set of {@code names} (any case; repeats are one). */
    public static FieldNames of(List<? extends CharSequence> names) {
        return new FieldNames(names);
    }

    /** Whether {@code name} is in the set. */
    public boolean contains(CharSequence name) {
        for (int slot = slot(hash(name)); table[slot] != null; slot = (slot + 1) & mask) {
            if (HeadBytes.sameIgnoringCase(table[slot], name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the name in {@code bytes} from {@code from} to {@code to} (one char a byte) is in the set. */
    public boolean contains(byte[] bytes, int from, int to) {
        for (int slot = slot(hash(bytes, from, to)); table[slot] != null; slot = (slot + 1) & mask) {
            CharSequence name = table[slot];
            if (name.length() == to - from && HeadBytes.sameIgnoringCase(bytes, from, name)) {
                return true;
            }
        }
        return false;
    }

    private static int hash(CharSequence name) {
        if (name instanceof AsciiString ascii) {
            return hash(ascii.array(), ascii.arrayOffset(), ascii.arrayOffset() + ascii.length());
        }
        int h = 0;
        for (int i = 0; i < name.length(); i++) {
            h = h * MULTIPLIER + HeadBytes.lower(name.charAt(i));
        }
        return h;
    }

    private static int hash(byte[] bytes, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = h * MULTIPLIER + HeadBytes.lower(bytes[i] & 0xff);
        }
        return h;
    }

    /**
     * The high bits of the hash after MurmurHash3's 32-bit finalizer, which mixes every bit of the
     * hash into every bit of the slot. Fibonacci hashing alone (the hash times 2^32 / phi) left
     * names of one pattern ({@code hop-0} to {@code hop-999}) in long runs for some multipliers.
     */
    private int slot(int hash) {
        int h = hash;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h >>> shift;
    }
}
