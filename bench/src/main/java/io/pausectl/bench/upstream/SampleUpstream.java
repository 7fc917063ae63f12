package io.pausectl.bench.upstream;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.pausectl.bench.net.Transports;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.net.URI;

/**
 * The bench's origin: a small, fast HTTP/1.1 server on loopback that answers every request with a
 * fixed small body, echoes its {@code X-Req-Id}, and records in the run's {@link IdLedger} every id
 * it saw. It runs in the bench's own process; what it records is the ground truth for
 * "forwarded more than once".
 */
public final class SampleUpstream extends RecordingUpstream {
    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    /** Told every id as it arrives, before it is answered (the upstream process reports them); null: nobody. */
    private final java.util.function.Consumer<String> arrivals;
    /** Connections accepted since start. */
    private final java.util.concurrent.atomic.AtomicLong accepted;

    private SampleUpstream(EventLoopGroup group, Channel serverChannel, java.util.function.Consumer<String> arrivals,
                           java.util.concurrent.atomic.AtomicLong accepted) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.arrivals = arrivals;
        this.accepted = accepted;
    }

    /** Connections this upstream accepted since it started (a drain's new upstream connections). */
    public long connectionsAccepted() {
        return accepted.get();
    }

    /** Starts an upstream on 127.0.0.1, a free port, that always answers 200. */
    public static SampleUpstream start(int threads) throws InterruptedException {
        return start(threads, UpstreamBehaviour.ALWAYS_OK);
    }

    /** Starts an upstream on 127.0.0.1, a free port, answering as {@code behaviour} says. */
    public static SampleUpstream start(int threads, UpstreamBehaviour behaviour) throws InterruptedException {
        return start(threads, behaviour, null);
    }

    /**
     * Starts an upstream that also closes a keep-alive connection idle for {@code keepAlive}, as
     * application servers do (gunicorn's {@code --keep-alive}, 2 s by default; Node's
     * {@code keepAliveTimeout}, 5 s): the idle gap of a pause lets it fire.
     *
     * @param keepAlive how long a connection may wait for its next request; null: for ever
     */
    public static SampleUpstream start(int threads, UpstreamBehaviour behaviour, Duration keepAlive)
            throws InterruptedException {
        return start(threads, behaviour, keepAlive, 0, null);
    }

    /**
     * Starts an upstream on {@code port} (0: a free one; an upstream restarted on its predecessor's
     * port reuses it at once, {@code SO_REUSEADDR}) that tells {@code arrivals} each request's
     * {@code X-Req-Id} as it arrives, before answering it.
     */
    public static SampleUpstream start(int threads, UpstreamBehaviour behaviour, Duration keepAlive, int port,
                                       java.util.function.Consumer<String> arrivals) throws InterruptedException {
        EventLoopGroup group = Transports.group("sample-upstream", threads);
        SampleUpstream[] self = new SampleUpstream[1];
        java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(Transports.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            accepted.incrementAndGet();
                            if (keepAlive != null) {
                                c.pipeline().addLast(new IdleStateHandler(0, 0, keepAlive.toNanos(), TimeUnit.NANOSECONDS),
                                        new KeepAliveTimeout());
                            }
                            c.pipeline().addLast(
                                    new HttpServerCodec(),
                                    new HttpServerKeepAliveHandler(),
                                    new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    new UpstreamHandler(self[0], behaviour));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            self[0] = new SampleUpstream(group, ch, arrivals, accepted);
            return self[0];
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Closes the connection when it sat idle (nothing read or written) for the keep-alive timeout. */
    private static final class KeepAliveTimeout extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }

    void record(String id, String runId, long seq) {
        if (arrivals != null) {
            arrivals.accept(String.valueOf(id));
        }
        recordSeq(runId, seq);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public URI uri() {
        return URI.create("http://127.0.0.1:" + address().getPort());
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
