package io.pausectl.cli.postgres;

/** Milliseconds for a person: {@code 850ms}, {@code 4.2s}, {@code 3m05s}. */
final class Millis {
    private Millis() {
    }

    static String format(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format("%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return s / 60 + "m" + String.format("%02d", s % 60) + "s";
    }
}
