package io.pausectl.proxy.server;

import io.pausectl.proxy.config.TransportChoice;

/**
 * {@code --transport} named a transport this machine does not allow. Its message is one line for
 * the user: the transport, Netty's reason (the first line of its cause's message) and the way out,
 * e.g. {@code --transport io_uring is not available here: <reason> (--transport auto picks one that is)}.
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
