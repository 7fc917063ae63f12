package io.pausectl.cli;

import sun.misc.Signal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The size of the terminal that stderr writes to, and its changes.
 *
 * @param rows    lines on the screen, or 0 when unknown
 * @param columns characters per line, or 0 when unknown
 */
record TerminalSize(int rows, int columns) {
    /** Unknown: stderr is not a terminal, or the terminal would not say. */
    static final TerminalSize UNKNOWN = new TerminalSize(0, 0);

    boolean known() {
        return rows > 0 && columns > 0;
    }

    /**
     * Asks {@code stty size} about the terminal on our own stderr (the JDK cannot tell a terminal's
     * size): its standard input is made our stderr, so it reads that very terminal.
     */
    static TerminalSize ofStderr() {
        try {
            // Through OwnProcesses: it may start while run adopts orphans, which must not reap it.
            Process stty = OwnProcesses.start(new ProcessBuilder("sh", "-c", "stty size <&2 2>/dev/null")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.INHERIT));
            if (!stty.waitFor(2, TimeUnit.SECONDS)) {
                stty.destroyForcibly();
                return UNKNOWN;
            }
            String[] words = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim()
                    .split("\\s+");
            if (stty.exitValue() != 0 || words.length != 2) {
                return UNKNOWN;
            }
            return new TerminalSize(Integer.parseInt(words[0]), Integer.parseInt(words[1]));
        } catch (IOException | NumberFormatException e) {
            return UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNKNOWN;
        }
    }

    /** Calls {@code action} on its own thread whenever the terminal is resized (SIGWINCH). */
    static void onResize(Runnable action) {
        try {
            Signal.handle(new Signal("WINCH"), s -> action.run());
        } catch (IllegalArgumentException e) {
            // no SIGWINCH here: the region keeps the size it started with
        }
    }
}
