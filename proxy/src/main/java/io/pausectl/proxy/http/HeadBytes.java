package io.pausectl.proxy.http;

import io.netty.util.AsciiString;

/**
 * The byte-level rules every head parser and editor of the proxy shares: what a token character
 * is (RFC 9110 §5.6.2) and how a field name is compared (without regard to ASCII case, RFC 9110
 * §5.1: only {@code A-Z} fold, every other byte compares as it is).
 */
public final class HeadBytes {
    /** RFC 9110 §5.6.2 tchar, by unsigned byte value. */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private HeadBytes() {
    }

    /** Whether {@code b} is an RFC 9110 §5.6.2 tchar (no byte of 0x80 or more is). */
    public static boolean isTchar(byte b) {
        return TCHAR[b & 0xff];
    }

    /** {@code c} with {@code A-Z} made lower case; any other value as it is. */
    public static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /**
     * Whether the {@code name.length()} bytes of {@code bytes} from {@code from} spell {@code name}
     * without regard to ASCII case, one char a byte (ISO-8859-1). The caller checks the lengths.
     */
    public static boolean sameIgnoringCase(byte[] bytes, int from, CharSequence name) {
        int n = name.length();
        if (name instanceof AsciiString ascii) {
            byte[] a = ascii.array();
            int o = ascii.arrayOffset();
            for (int i = 0; i < n; i++) {
                int x = bytes[from + i];
                int y = a[o + i];
                // Different bytes are the same letter only when both fold to one of a-z.
                if (x != y) {
                    int folded = x | 0x20;
                    if (folded != (y | 0x20) || folded < 'a' || folded > 'z') {
                        return false;
                    }
                }
            }
            return true;
        }
        for (int i = 0; i < n; i++) {
            int x = bytes[from + i] & 0xff;
            int y = name.charAt(i);
            if (x != y && lower(x) != lower(y)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code a} and {@code b} are the same name without regard to ASCII case. */
    public static boolean sameIgnoringCase(CharSequence a, CharSequence b) {
        int n = a.length();
        if (n != b.length()) {
            return false;
        }
        if (a == b) {
            return true;
        }
        if (a instanceof AsciiString x) {
            return sameIgnoringCase(x.array(), x.arrayOffset(), b);
        }
        for (int i = 0; i < n; i++) {
            int x = a.charAt(i);
            int y = b.charAt(i);
            if (x != y && lower(x) != lower(y)) {
                return false;
            }
        }
        return true;
    }
}
