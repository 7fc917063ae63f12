package io.pausectl.common;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Durations as pausectl reads and writes them everywhere (proxy flags, YAML, environment, admin
 * API, pausectl and pause-bench options), in the grammar of Go's {@code time.ParseDuration}: one or
 * more decimal numbers, each with an optional fraction and a unit, {@code ns}, {@code us} (or
 * {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}: {@code 500ms}, {@code 30s},
 * {@code 1.5s}, {@code 1m30s}, {@code 1h}. {@code 0} alone means zero. Unlike Go, a negative
 * duration is refused, and every value is bounded: by {@link #MAX} here, and by the range each
 * setting names through {@link #parse(String, Duration, Duration)}, so that no later arithmetic on
 * a parsed duration (deadlines in nanoseconds, instants) can overflow.
 *
 * <p>Errors are {@link IllegalArgumentException}s whose message is one sentence fit to show the
 * user, quoting the text as given, never a {@link Duration#toString()} form such as {@code PT0S}.
 */
public final class Durations {
    /** The longest duration anything accepts: 8760h (365 days). */
    public static final Duration MAX = Duration.ofHours(8760);
    /** The form, for messages. */
    public static final String EXAMPLES = "e.g. 500ms, 30s, 1.5s, 1m30s, 1h";

    /** Longer text is refused before it is looked at (no grammar value needs it). */
    private static final int MAX_TEXT = 64;
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(MAX.toNanos());

    private Durations() {
    }

    /**
     * Parses a duration from 0 to {@link #MAX}.
     *
     * @param text Go's duration grammar; surrounding blanks are ignored
     * @return the duration, exact to the nanosecond (finer fractions are cut, as Go does)
     * @throws IllegalArgumentException with a message fit to show a user
     */
    public static Duration parse(String text) {
        return parse(text, Duration.ZERO, MAX);
    }

    /**
     * Parses a duration and checks it lies in {@code [min, max]}.
     *
     * @throws IllegalArgumentException with a message fit to show a user: not a duration, or out of
     *                                  range (naming the range in the same grammar)
     */
    public static Duration parse(String text, Duration min, Duration max) {
        Duration d = parseUnbounded(text);
        if (d == null || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("'" + shown(text) + "' is too long: at most " + format(max));
        }
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException(d.isZero()
                    ? "'" + shown(text) + "' must be more than 0"
                    : "'" + shown(text) + "' is too short: at least " + format(min));
        }
        return d;
    }

    /** The duration, or null when it exceeds {@link #MAX}. */
    private static Duration parseUnbounded(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a duration is required, " + EXAMPLES);
        }
        String t = text.strip();
        if (t.length() > MAX_TEXT) {
            throw notADuration(text);
        }
        if (t.equals("0") || t.equals("+0") || t.equals("-0")) {
            return Duration.ZERO;
        }
        int i = 0;
        if (t.charAt(0) == '+') {
            i = 1;
        } else if (t.charAt(0) == '-') {
            throw new IllegalArgumentException("'" + shown(text) + "' is negative: a duration is 0 or more, "
                    + EXAMPLES);
        }
        if (i == t.length()) {
            throw notADuration(text);
        }
        BigDecimal total = BigDecimal.ZERO;
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && isDigit(t.charAt(i))) {
                i++;
            }
            int intEnd = i;
            int fracEnd = i;
            if (i < t.length() && t.charAt(i) == '.') {
                i++;
                while (i < t.length() && isDigit(t.charAt(i))) {
                    i++;
                }
                fracEnd = i;
            }
            boolean hasDigits = intEnd > start || fracEnd > intEnd + 1;
            if (!hasDigits) {
                throw notADuration(text);
            }
            int unitStart = i;
            while (i < t.length() && !isDigit(t.charAt(i)) && t.charAt(i) != '.') {
                i++;
            }
            long unitNanos = unitNanos(t.substring(unitStart, i));
            if (unitNanos < 0) {
                throw notADuration(text);
            }
            String number = t.substring(start, fracEnd);
            if (number.endsWith(".")) {
                number = number + "0";
            }
            if (number.startsWith(".")) {
                number = "0" + number;
            }
            total = total.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unitNanos)));
            if (total.compareTo(MAX_NANOS) > 0) {
                return null;
            }
        }
        BigInteger nanos = total.toBigInteger();
        return Duration.ofNanos(nanos.longValueExact());
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static long unitNanos(String unit) {
        switch (unit) {
            case "ns":
                return 1L;
            case "us":
            case "\u00b5s":
            case "\u03bcs":
                return 1_000L;
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            default:
                return -1;
        }
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + shown(text) + "' is not a duration: write a number and a unit"
                + " (h, m, s, ms), " + EXAMPLES);
    }

    /** The text as given, cut and with control characters escaped, so a message stays one line. */
    private static String shown(String text) {
        String t = text.strip();
        String cut = t.length() > MAX_TEXT ? t.substring(0, MAX_TEXT) + "…" : t;
        return Printable.escape(cut);
    }

    /**
     * Formats a duration so that {@link #parse} reads it back exactly: in the largest unit that
     * writes it as a whole number ({@code 90s}, {@code 5m}, {@code 1500ms}, {@code 0s}).
     */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return d.toHours() + "h";
        }
        if (nanos % 3_600_000_000_000L == 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}
