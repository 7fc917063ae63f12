package io.pausectl.cli;

/**
 * pausectl's exit codes, the contract scripts rely on (DESIGN.md). {@code run} exits with the
 * command's own code once the command ran, except when traffic could not be resumed ({@link #NOT_RESUMED}).
 */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** An internal error, or a target that could not be read ({@code status}). */
    public static final int ERROR = 1;
    /** Bad usage: an unknown option, a malformed value. */
    public static final int USAGE = 2;
    /** Could not pause every target; those already paused were resumed; the command was not run. */
    public static final int NOT_PAUSED = 3;
    /** Another lease already holds a pause; nothing was changed; the command was not run. */
    public static final int CONFLICT = 4;
    /** Could not resume: some targets are still paused (named on stderr). */
    public static final int NOT_RESUMED = 5;
    /** {@code run}: the command could not be started because it was not found (as a shell does). */
    public static final int COMMAND_NOT_FOUND = 127;
    /** {@code run}: the command was found but could not be executed (as a shell does). */
    public static final int COMMAND_NOT_EXECUTABLE = 126;


    private ExitCodes() {
    }
}
