package io.pausectl.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as pausectl writes them: a whole number of bytes, or with a binary unit {@code KiB},
 * {@code MiB}, {@code GiB}: {@code 64KiB}, {@code 64MiB}.
 */
public final class ByteSizes {
    private static final Pattern FORM = Pattern.compile("(\\d{1,15})(B|KiB|MiB|GiB)?");

    private ByteSizes() {
    }

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException with a message fit to show a user
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a size is required, e.g. 64KiB, 64MiB");
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size: write a whole number of bytes"
                    + " or one with KiB, MiB or GiB, e.g. 64KiB, 64MiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        int shift;
        switch (unit) {
            case "KiB":
                shift = 10;
                break;
            case "MiB":
                shift = 20;
                break;
            case "GiB":
                shift = 30;
                break;
            default:
                shift = 0;
        }
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n << shift;
    }

    /** Formats a size in the largest binary unit that writes it exactly. */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }
}
