package io.pausectl.cli.target;

/** A target could not be reached, or refused or failed an operation. The message names the target. */
public class TargetException extends Exception {
    private static final long serialVersionUID = 1L;

    public TargetException(String message) {
        super(message);
    }

    public TargetException(String message, Throwable cause) {
        super(message, cause);
    }
}
