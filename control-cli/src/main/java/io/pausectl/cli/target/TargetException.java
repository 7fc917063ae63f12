package io.pausectl.cli.target;

/** A target could not be reached, or refused or failed an operation. The message names the target. */
public class TargetException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as a short label where a line has no room for the whole message. */
    public enum Kind {
        /** No connection, or no answer in time: the address, the network or the process. */
        UNREACHABLE("UNREACHABLE"),
        /** It answered, and refused the token (HTTP 401/403). */
        TOKEN_REFUSED("TOKEN REFUSED"),
        /** It answered, and the operation failed (a wrong frontend, a refused command, a bad answer). */
        FAILED("FAILED");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The label, e.g. {@code TOKEN REFUSED}. */
        public String label() {
            return label;
        }
    }

    private final Kind kind;

    public TargetException(String message) {
        this(Kind.FAILED, message, null);
    }

    public TargetException(String message, Throwable cause) {
        this(Kind.FAILED, message, cause);
    }

    public TargetException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
