package io.pausectl.bench.scenario;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * What a scenario says as it goes, each line stamped with the seconds since it began; quiet when
 * the scenario runs for numbers only.
 */
public final class Narrator {
    private final PrintWriter out;
    private final boolean verbose;
    private final long startNanos = System.nanoTime();

    public Narrator(PrintWriter out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    /** A narration line: shown in the demo only. */
    public void say(String format, Object... args) {
        if (verbose) {
            line(format, args);
        }
    }

    /** A line shown always (progress of a long measurement). */
    public void always(String format, Object... args) {
        line(format, args);
    }

    private void line(String format, Object... args) {
        double t = (System.nanoTime() - startNanos) / 1e9;
        out.printf(Locale.ROOT, "[%5.1fs] %s%n", t, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    public PrintWriter out() {
        return out;
    }

    public boolean verbose() {
        return verbose;
    }
}
