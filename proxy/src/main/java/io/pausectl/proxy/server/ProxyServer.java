package io.pausectl.proxy.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.pausectl.common.Durations;
import io.pausectl.proxy.client.ClientContext;
import io.pausectl.proxy.client.ClientExchangeHandler;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.config.TransportChoice;
import io.pausectl.proxy.gate.PauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.upstream.UpstreamPools;
import io.pausectl.proxy.upstream.UpstreamTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client listener and its event loops: binds {@code --listen}, serves every client connection
 * through a {@link ClientChannelInitializer} pipeline, and keeps one upstream connection pool per
 * event loop. The same event loops accept, serve clients and talk to upstreams; a client and the
 * upstream connection serving it share one.
 */
public final class ProxyServer {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /**
     * Netty's default read sizes for client connections (64 B to 64 KiB, adapting; at most 16 reads per
     * readiness event, what Netty sets for a stream channel's own allocator from its metadata), one for
     * all of them.
     */
    private static final RecvByteBufAllocator CLIENT_READ_SIZES = new AdaptiveRecvByteBufAllocator()
            .maxMessagesPerRead(16);

    private final ProxyConfig config;
    private final PauseGate gate;
    private final ProxyMetrics metrics;
    /** The transport in use, chosen at {@link #start} from {@code --transport}. */
    private Transport transport;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private UpstreamPools pools;
    private Channel listener;
    /** {@link #shutdown} ran (a second call does nothing). */
    private final AtomicBoolean stopping = new AtomicBoolean();

    public ProxyServer(ProxyConfig config, PauseGate gate, ProxyMetrics metrics) {
        this.config = config;
        this.gate = gate;
        this.metrics = metrics;
    }

    /**
     * Binds the client listener.
     *
     * @return the bound address (the real port when {@code --listen} asked for port 0)
     * @throws InterruptedException          if interrupted while binding
     * @throws TransportUnavailableException when {@code --transport} names one this machine does not allow
     * @throws ListenException               when the listen address cannot be bound
     */
    public InetSocketAddress start() throws InterruptedException {
        transport = Transport.of(config.transport());
        if (config.transport() == TransportChoice.AUTO && transport.kind() == TransportChoice.NIO) {
            LOG.warn("neither io_uring nor epoll is available here: on NIO, which cannot read TCP_INFO, a request"
                    + " with a body on a new upstream connection goes out before the upstream's kernel has accepted it");
        }
        try {
            group = transport.newGroup(config.eventLoops(), "pause-proxy");
        } catch (RuntimeException e) {
            // io_uring can pass Netty's probe and still fail to set up a ring per loop (a descriptor
            // or locked-memory limit): auto then takes the next transport, a named one stops here.
            if (transport.kind() != TransportChoice.IO_URING) {
                throw e;
            }
            if (config.transport() != TransportChoice.AUTO) {
                throw new TransportUnavailableException(config.transport(), rootCause(e));
            }
            LOG.warn("io_uring is available but its event loops could not be made ({}); using epoll or NIO instead",
                    rootCause(e).toString());
            transport = Transport.withoutIoUring();
            group = transport.newGroup(config.eventLoops(), "pause-proxy");
        }
        List<UpstreamTarget> targets = new ArrayList<>();
        for (int i = 0; i < config.upstreams().size(); i++) {
            targets.add(UpstreamTarget.of(i, config.upstreams().get(i)));
        }
        Bootstrap upstreamBootstrap = new Bootstrap()
                .channelFactory(transport.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // A failed write shuts the output instead of closing: an upstream that answered an
                // upload early and stopped reading still has its answer read (UpstreamExchange).
                .option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT);
        pools = new UpstreamPools(group, upstreamBootstrap, targets, metrics, config.upstreamIdleTimeout(),
                config.upstreamReuse());
        ClientContext context = new ClientContext(config, gate, metrics, pools);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channelFactory(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                // A client's end of stream is "no more requests", not "gone": answers still go out.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT)
                // The same read-size rule as Netty's default, made once: by default every connection's
                // config makes its own (stateless: the per-connection guess lives in its handle), 32
                // bytes a held connection need not keep.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CLIENT_READ_SIZES)
                .childHandler(new ClientChannelInitializer(context, clients));
        try {
            listener = bootstrap.bind(config.listen()).sync().channel();
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        } catch (Exception e) {
            // Netty rethrows the native transport's bind error unchecked; say which address it was.
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw ListenException.of("clients", config.listen(), e);
        }
        return (InetSocketAddress) listener.localAddress();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The transport in use ({@code io_uring}, {@code epoll} or {@code nio}); call only after {@link #start}. */
    public String transportName() {
        return transport.name();
    }

    /** Open client connections right now. */
    public int clientConnections() {
        return clients.size();
    }

    /** The open client connections themselves (for diagnostics and tests; read-only use). */
    public Iterable<Channel> clientChannels() {
        return List.copyOf(clients);
    }

    /** The event loops (for components that want to run on them, such as the gate). */
    public EventLoopGroup eventLoops() {
        return group;
    }

    /**
     * Stops accepting, closes idle keep-alive connections at once, lets exchanges in progress
     * finish (each connection closes after its current response) for up to {@code grace}, then
     * closes whatever is left and stops the event loops.
     *
     * <p>Tunnels (connections past a {@code 101}) are not waited for: nothing the proxy can do ends
     * them, and an open WebSocket would otherwise hold every stop for its whole grace period. They
     * are closed (what was relayed flushed, then both sides closed) as soon as no ordinary exchange
     * is left, so they live as long as the stop lasts and no longer; a connection that becomes a
     * tunnel during the stop counts as done from its 101. HAProxy's {@code hard-stop-after} and
     * nginx's {@code worker_shutdown_timeout} close tunnels the same way, at a deadline of their own.
     *
     * @return whether every ordinary exchange finished within the grace period
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        if (group == null || !stopping.compareAndSet(false, true)) {
            return true;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        if (listener != null) {
            listener.close().await(5, TimeUnit.SECONDS);
        }
        // Settled: closed, or a tunnel (ClientExchangeHandler.shutdown). A connection accepted just as
        // the listener closed joins the group after a pass over it: each pass tells the ones not told
        // yet, until a pass finds none, so none is cut as "busy" without having been told.
        Map<Channel, Promise<Void>> settled = new HashMap<>();
        boolean clean = true;
        for (boolean told = true; told && clean; ) {
            told = false;
            List<Promise<Void>> pass = new ArrayList<>();
            for (Channel ch : clients) {
                if (settled.containsKey(ch)) {
                    continue;
                }
                Promise<Void> done = ch.eventLoop().newPromise();
                settled.put(ch, done);
                pass.add(done);
                told = true;
                ch.eventLoop().execute(() -> ClientExchangeHandler.shutdown(ch, done));
            }
            for (Promise<Void> done : pass) {
                if (!done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    clean = false;
                    break;
                }
            }
        }
        int busy = 0;
        int tunnels = 0;
        for (Channel ch : clients) {
            if (!ch.isOpen()) {
                continue;
            }
            Promise<Void> done = settled.get(ch);
            if (done != null && done.isDone()) {
                tunnels++;
                ch.eventLoop().execute(() -> ch.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(ChannelFutureListener.CLOSE));
            } else {
                // Busy at the end of the grace.
                busy++;
                ch.close();
            }
        }
        if (busy > 0) {
            LOG.warn("{} client connection(s) still busy after the {} grace period; closing them", busy,
                    Durations.format(grace));
        }
        if (tunnels > 0) {
            LOG.info("closing {} tunnel(s): upgraded connections have no end the proxy could wait for", tunnels);
        }
        if (!clients.newCloseFuture().await(5, TimeUnit.SECONDS)) {
            clients.close().await(5, TimeUnit.SECONDS);
        }
        pools.closeIdle();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        return clean;
    }
}
