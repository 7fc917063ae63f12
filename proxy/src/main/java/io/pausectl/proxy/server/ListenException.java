package io.pausectl.proxy.server;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * A listening socket could not be opened; the message names what it was for, the address, and why
 * in words (not the errno of the native transport), e.g. {@code cannot listen for clients on
 * 0.0.0.0:8080: address already in use (another process listens there)}.
 */
public final class ListenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private ListenException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @param what    what the socket is for, e.g. {@code clients} or {@code the admin API}
     * @param address where it was to listen
     * @param cause   what bind threw
     */
    public static ListenException of(String what, InetSocketAddress address, Throwable cause) {
        return new ListenException("cannot listen for " + what + " on " + hostPort(address) + ": " + why(cause), cause);
    }

    private static String why(Throwable cause) {
        String text = "";
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                text = t.getMessage();
                break;
            }
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("address already in use")) {
            return "address already in use (another process listens there)";
        }
        if (lower.contains("cannot assign requested address")) {
            return "no such address on this machine";
        }
        if (lower.contains("permission denied")) {
            return "permission denied (ports below 1024 need privileges)";
        }
        // Netty's native transport says "bind(..) failed with error(-N): <strerror>": keep the words.
        int colon = text.lastIndexOf("): ");
        return colon >= 0 ? text.substring(colon + 3) : text.isEmpty() ? cause.getClass().getSimpleName() : text;
    }

    private static String hostPort(InetSocketAddress address) {
        if (address.getAddress() == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
