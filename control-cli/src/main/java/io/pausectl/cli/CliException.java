package io.pausectl.cli;

/**
 * A failure the user must hear about, with the exit code it maps to. The message is shown as is on
 * stderr (no stack trace): it names the targets involved and, when there is one, the way out.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
