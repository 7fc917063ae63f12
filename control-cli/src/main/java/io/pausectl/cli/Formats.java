package io.pausectl.cli;

/** How figures are written for a person. */
final class Formats {
    private Formats() {
    }

    /** A duration in milliseconds, short: {@code 350ms}, {@code 1.2s}, {@code 2m05s}, {@code 1h02m}. */
    static String millis(long ms) {
        if (ms < 0) {
            ms = 0;
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format("%d.%ds", ms / 1000, ms % 1000 / 100);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
    }

    /** A count of requests with its noun: {@code 1 request}, {@code 3 requests}. */
    /** A held count, or "not counted" for {@link io.pausectl.cli.target.PauseTarget#NOT_COUNTED}. */
    static String held(long n) {
        return n < 0 ? "not counted" : Long.toString(n);
    }

    static String requests(long n) {
        return n + (n == 1 ? " request" : " requests");
    }
}
