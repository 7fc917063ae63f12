package io.pausectl.proxy.upstream;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * One origin server from {@code --upstream}.
 *
 * @param index   its position in the configured list (indexes the pools' idle lists)
 * @param uri     the configured URL, {@code http://host:port}
 * @param address where to connect; left unresolved so each new connection resolves the name
 * @param authority {@code host:port}, for a {@code Host} header when the client sent none
 */
public record UpstreamTarget(int index, URI uri, InetSocketAddress address, String authority) {

    /** Builds the target for one configured upstream URL. */
    public static UpstreamTarget of(int index, URI uri) {
        String host = uri.getHost();
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return new UpstreamTarget(index, uri, InetSocketAddress.createUnresolved(bareHost, uri.getPort()),
                host + ":" + uri.getPort());
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
