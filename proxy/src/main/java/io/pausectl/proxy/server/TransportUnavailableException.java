package io.pausectl.proxy.server;

import io.pausectl.proxy.config.TransportChoice;

/**
 * {@code --transport} named a transport this machine does not allow; its message is one line for
 * the user, e.g. {@code --transport io_uring is not available here: ... (use --transport auto)}.
 */
public final class TransportUnavailableException extends IllegalStateException {
    TransportUnavailableException(TransportChoice choice, Throwable cause) {
        super("--transport " + choice.spelling() + " is not available here: "
                + (cause == null || cause.getMessage() == null ? "its native library did not load" : oneLine(cause))
                + " (--transport auto picks one that is)", cause);
    }

    private static String oneLine(Throwable cause) {
        return cause.getMessage().lines().findFirst().orElse("").strip();
    }
}
