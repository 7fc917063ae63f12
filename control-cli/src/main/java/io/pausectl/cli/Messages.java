package io.pausectl.cli;

import java.io.PrintWriter;

/**
 * pausectl's own lines on stderr while a pause is held: messages, and on a terminal one live status
 * line rewritten in place. A message first wipes the live line, so the two never interleave.
 */
final class Messages {
    private static final String WIPE = "\r\033[K";

    private final PrintWriter err;
    private final boolean terminal;
    private String live;

    Messages(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether stderr is a terminal (live line) rather than a file or pipe (plain lines). */
    boolean terminal() {
        return terminal;
    }

    /** Prints a message line (prefixed {@code pausectl: }), keeping the live line under it. */
    synchronized void say(String message) {
        if (live != null) {
            err.print(WIPE);
        }
        err.println("pausectl: " + message);
        if (live != null) {
            err.print(live);
        }
        err.flush();
    }

    /** Rewrites the live line; does nothing unless stderr is a terminal. */
    synchronized void live(String line) {
        if (!terminal) {
            return;
        }
        live = line;
        err.print(WIPE + line);
        err.flush();
    }

    /** Removes the live line. */
    synchronized void endLive() {
        if (live != null) {
            err.print(WIPE);
            err.flush();
            live = null;
        }
    }
}
