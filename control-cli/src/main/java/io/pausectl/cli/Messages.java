package io.pausectl.cli;

import java.io.PrintWriter;

/**
 * pausectl's own lines on stderr while a pause is held: messages, and on a terminal one live status
 * line that never mixes with the command's output.
 *
 * <p>On a terminal of known size the live line owns the bottom row: a scroll region (DECSTBM) is set
 * to every row but the last, so the command's lines (and pausectl's messages) scroll above it, and the
 * status is redrawn in the last row between a cursor save and restore (DECSC/DECRC), as apt's
 * {@code Progress-Fancy} does. Each redraw is one write, so it never lands in the middle of the
 * command's own writes. The region is given back on {@link #endLive}, on exit, and follows a resize
 * (SIGWINCH). Elsewhere (a file, a pipe, a terminal that will not say its size) there is no live
 * line: callers write plain lines instead.
 */
final class Messages {
    private static final String ESC = "\033";
    private static final String SAVE_CURSOR = ESC + "7";
    private static final String RESTORE_CURSOR = ESC + "8";
    private static final String CLEAR_LINE = ESC + "[2K";
    private static final String RESET_REGION = ESC + "[r";

    private final PrintWriter err;
    private volatile TerminalSize size;
    private boolean started;
    private boolean region;
    private String live;

    /** Messages on {@code err}; {@code terminal}: whether stderr is a terminal (its size is asked then). */
    Messages(PrintWriter err, boolean terminal) {
        this(err, terminal ? TerminalSize.ofStderr() : TerminalSize.UNKNOWN);
    }

    Messages(PrintWriter err, TerminalSize size) {
        this.err = err;
        this.size = size;
    }

    /**
     * Whether a live line can be kept: stderr is a terminal of known size with room for a scroll region
     * (at least three rows). Otherwise write plain lines.
     */
    boolean terminal() {
        TerminalSize s = size;
        return s.known() && s.rows() >= 3;
    }

    /** Prints a message line (prefixed {@code pausectl: }); with a live line, it scrolls above it. */
    synchronized void say(String message) {
        err.print("pausectl: " + message + System.lineSeparator());
        err.flush();
    }

    /**
     * Takes the terminal's last row for the live line, once. Called before the command starts, so that
     * the newline this needs never splits a line of the command's. Does nothing unless {@link #terminal()}.
     */
    synchronized void startLive() {
        if (started || !terminal()) {
            return;
        }
        int rows = size.rows();
        // The newline makes room when the cursor sits on the last row; setting the region homes the
        // cursor, hence the save and restore; moving up puts it back inside the region.
        err.print("\n" + SAVE_CURSOR + setRegion(rows) + RESTORE_CURSOR + ESC + "[1A");
        err.flush();
        region = true;
        started = true;
        Runtime.getRuntime().addShutdownHook(new Thread(this::endLive, "pausectl-terminal"));
        TerminalSize.onResize(this::resized);
    }

    /**
     * Redraws the live line in the last row; does nothing unless {@link #startLive} took the row (and
     * {@link #endLive} has not given it back).
     */
    synchronized void live(String line) {
        if (!region) {
            return;
        }
        live = line;
        err.print(draw());
        err.flush();
    }

    /** Removes the live line and gives the whole screen back to scrolling. Safe to call more than once. */
    synchronized void endLive() {
        live = null;
        if (!region) {
            return;
        }
        region = false;
        err.print(SAVE_CURSOR + RESET_REGION + RESTORE_CURSOR
                + SAVE_CURSOR + ESC + "[" + size.rows() + ";1H" + CLEAR_LINE + RESTORE_CURSOR);
        err.flush();
    }

    private synchronized void resized() {
        TerminalSize now = TerminalSize.ofStderr();
        if (!now.known() || now.rows() < 3) {
            return;
        }
        size = now;
        if (region) {
            err.print(SAVE_CURSOR + setRegion(now.rows()) + RESTORE_CURSOR + (live == null ? "" : draw()));
            err.flush();
        }
    }

    private String draw() {
        TerminalSize s = size;
        String text = live;
        // One column short of the width: writing the last column would wrap on some terminals.
        if (text.length() > s.columns() - 1) {
            text = text.substring(0, Math.max(0, s.columns() - 1));
        }
        return SAVE_CURSOR + ESC + "[" + s.rows() + ";1H" + CLEAR_LINE + text + RESTORE_CURSOR;
    }

    private static String setRegion(int rows) {
        return ESC + "[1;" + (rows - 1) + "r";
    }
}
