package io.pausectl.cli.haproxy;

/**
 * A runtime API command could not be carried out: the socket could not be reached, the answer
 * did not come within the timeout, or (see {@link RuntimeApiCommandException}) HAProxy answered
 * with an error. The message names the address and the command.
 */
public class RuntimeApiException extends Exception {
    private static final long serialVersionUID = 1L;

    public RuntimeApiException(String message) {
        super(message);
    }

    public RuntimeApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
