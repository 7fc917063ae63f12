package io.pausectl.proxy.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The access log ({@code --access-log}, logger {@value #LOGGER}): one line per request, whether it
 * was exchanged ({@link ClientExchangeHandler}) or refused before ({@link ClientRequestValidator}):
 * {@code <client ip> "<method> <target> <version>" <status> <body bytes> <ms>ms <upstream>}, with
 * {@code -} for what is not known, and {@code  cut=<why>} after it when the response was cut. The one place that decides the line and the client's address.
 */
final class AccessLog {
    /** The logger's name, as README and the logback configurations give it. */
    static final String LOGGER = "io.pausectl.proxy.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private AccessLog() {
    }

    /** The client's IP address as the line gives it: the host address, without port. */
    static String clientIp(SocketAddress remote) {
        return remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress()
                : String.valueOf(remote);
    }

    /**
     * Logs one line.
     *
     * @param requestLine {@code <method> <target> <version>}, or {@code -} when the head could not be parsed
     * @param status      the status sent, or {@code -} when none was
     * @param upstream    the upstream that answered, or {@code -}
     * @param cutBy       why the response was cut after its head went out, or null when it was not
     */
    static void line(String clientIp, String requestLine, Object status, long bodyBytes, long millis, Object upstream,
                     Object cutBy) {
        LOG.info("{} \"{}\" {} {} {}ms {}{}", clientIp, requestLine, status, bodyBytes, millis, upstream,
                cutBy == null ? "" : " cut=" + cutBy);
    }
}
