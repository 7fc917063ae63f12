package io.pausectl.proxy.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.pausectl.proxy.fleet.FleetSettings;

/**
 * The proxy's whole configuration, built and validated once at start-up from flags, environment
 * ({@code PAUSE_PROXY_*}) and the YAML file (flags win over the environment, which wins over the
 * file). Immutable; nothing else holds settings.
 *
 * @param listen                  where clients connect
 * @param upstreams               origin base URLs ({@code http://host:port}), used round-robin
 * @param adminListen             where the admin API listens (loopback unless a token is set)
 * @param adminToken              bearer token read from the admin token file, if one is configured
 * @param maxQueued               most requests held at once; past it, 503 at once
 * @param maxQueuedBytes          most bytes buffered for held requests; past it, 503 at once
 * @param queueTimeout            longest a request is held before it is answered 503
 * @param maxPause                cap on any lease's time to live
 * @param drainConcurrency        most released-but-unfinished requests while draining
 * @param drainRate               most releases per second while draining, 0 for no limit
 * @param drainStartTimeout       longest a released request counts against drainConcurrency before
 *                                its answer starts
 * @param bypassPaths             path prefixes never held (health checks)
 * @param eventLoops              number of event loops serving clients and upstreams
 * @param transport               the socket transport asked for ({@code auto} picks one at start-up)
 * @param connectTimeout          upstream connect timeout
 * @param upstreamTimeout         upstream response timeout (504 when no response head by then)
 * @param clientIdleTimeout       a client connection idle this long between requests is closed
 * @param upstreamIdleTimeout     a pooled upstream connection idle this long is closed, never reused
 * @param upstreamReuse           which requests may go on a pooled upstream connection (the others
 *                                open a fresh one)
 * @param clientSendTimeout       a client that takes none of what is written to it for this long is cut
 * @param clientHeaderTimeout     a request head begun but not complete this long after is answered
 *                                408 and its connection closed (HAProxy's {@code timeout http-request})
 * @param maxConnections          most client connections open at once; past it a new one is
 *                                answered 503 and closed
 * @param maxRequestLineLength    longest request line; past it, 414
 * @param maxHeaderSize           largest request head; past it, 431
 * @param shutdownGrace           on SIGTERM, how long in-flight exchanges may take to finish
 * @param accessLog               whether to log one line per request
 * @param fleet                   fleet membership through etcd ({@code --fleet}), or empty (the default)
 */
public record ProxyConfig(
        InetSocketAddress listen,
        List<URI> upstreams,
        InetSocketAddress adminListen,
        Optional<String> adminToken,
        int maxQueued,
        long maxQueuedBytes,
        Duration queueTimeout,
        Duration maxPause,
        int drainConcurrency,
        int drainRate,
        Duration drainStartTimeout,
        List<String> bypassPaths,
        int eventLoops,
        TransportChoice transport,
        Duration connectTimeout,
        Duration upstreamTimeout,
        Duration clientIdleTimeout,
        Duration upstreamIdleTimeout,
        UpstreamReuse upstreamReuse,
        Duration clientSendTimeout,
        Duration clientHeaderTimeout,
        int maxConnections,
        int maxRequestLineLength,
        int maxHeaderSize,
        Duration shutdownGrace,
        boolean accessLog,
        Optional<FleetSettings> fleet) {

    public ProxyConfig {
        upstreams = List.copyOf(upstreams);
        bypassPaths = List.copyOf(bypassPaths);
    }
}
