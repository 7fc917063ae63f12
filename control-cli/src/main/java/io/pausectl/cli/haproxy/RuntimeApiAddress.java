package io.pausectl.cli.haproxy;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where an HAProxy runtime API (stats socket) listens: {@code unix:/path/admin.sock} or
 * {@code tcp://host:port}.
 *
 * @param text the address as the user wrote it; how it is named in messages
 * @param path the UNIX socket's path, or null for TCP
 * @param host the TCP host, or null for a UNIX socket
 * @param port the TCP port, or 0 for a UNIX socket
 */
public record RuntimeApiAddress(String text, Path path, String host, int port) {

    /** True for a UNIX domain socket, false for TCP. */
    public boolean isUnix() {
        return path != null;
    }

    /**
     * Parses an address.
     *
     * @throws IllegalArgumentException with a message fit to show a user
     */
    public static RuntimeApiAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an HAProxy runtime API address is required:"
                    + " unix:/path/admin.sock or tcp://host:port");
        }
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("unix:")) {
            String p = t.substring("unix:".length());
            if (p.startsWith("//")) {
                p = p.substring(2);
            }
            if (p.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' names no socket path: write unix:/path/admin.sock");
            }
            return new RuntimeApiAddress(t, Path.of(p), null, 0);
        }
        if (lower.startsWith("tcp://")) {
            String hostPort = t.substring("tcp://".length());
            if (hostPort.endsWith("/")) {
                hostPort = hostPort.substring(0, hostPort.length() - 1);
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("'" + text + "' needs a host and a port: write tcp://host:port");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "' has no valid port (1-65535): write tcp://host:port");
            }
            return new RuntimeApiAddress(t, null, host, port);
        }
        throw new IllegalArgumentException("'" + text + "' is not an HAProxy runtime API address:"
                + " write unix:/path/admin.sock or tcp://host:port");
    }

    @Override
    public String toString() {
        return text;
    }
}
