package io.pausectl.cli.haproxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.Promise;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A client of one HAProxy's runtime API (the stats socket), on Netty. Each call opens a connection,
 * sends one line of commands prefixed with {@code set severity-output number;}, reads the answer
 * until HAProxy closes (it does after one line in non-interactive mode) and closes. Connecting and
 * every read wait at most the timeout; nothing is retried, so a command that changes state is
 * sent at most once.
 *
 * <p>UNIX sockets and TCP both use epoll when the native transport loads, and NIO otherwise
 * (NIO's UNIX domain sockets need Java 16+, so always present on Java 17).
 */
public final class RuntimeApiClient implements AutoCloseable {
    /** An answer larger than this is refused rather than buffered: no runtime API answer we read is near it. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    /** Which Netty transport carries the connection. */
    public enum Transport {
        EPOLL, NIO;

        /** Epoll when its native library loads here, else NIO. */
        public static Transport best() {
            return Epoll.isAvailable() ? EPOLL : NIO;
        }
    }

    private final RuntimeApiAddress address;
    private final Duration timeout;
    private final Transport transport;
    private final EventLoopGroup group;

    public RuntimeApiClient(RuntimeApiAddress address, Duration timeout) {
        this(address, timeout, Transport.best());
    }

    public RuntimeApiClient(RuntimeApiAddress address, Duration timeout, Transport transport) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the runtime API timeout must be positive, got " + timeout);
        }
        this.address = address;
        this.timeout = timeout;
        this.transport = transport;
        this.group = new MultiThreadIoEventLoopGroup(1,
                transport == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** How long connecting and each read may take. */
    Duration timeout() {
        return timeout;
    }

    public RuntimeApiAddress address() {
        return address;
    }

    public Transport transport() {
        return transport;
    }

    /**
     * Runs one line of commands ({@code ;}-separated) and fails on any error answer.
     *
     * @throws RuntimeApiCommandException when HAProxy answered an error
     * @throws RuntimeApiException        when HAProxy could not be reached or did not answer in time
     */
    public RuntimeApiReply execute(String commands) throws RuntimeApiException {
        return execute(commands, message -> false);
    }

    /**
     * Runs one line of commands and fails on error answers other than those {@code tolerated}
     * (e.g. {@code Variable not found.} when reading variables that may be unset).
     */
    public RuntimeApiReply execute(String commands, Predicate<String> tolerated) throws RuntimeApiException {
        RuntimeApiReply reply = RuntimeApiReply.parse(exchange(commands));
        for (RuntimeApiReply.Message error : reply.errors()) {
            if (!tolerated.test(error.text())) {
                throw new RuntimeApiCommandException("HAProxy at " + address + " refused '" + commands + "': "
                        + error.text() + " (severity " + error.severity() + ")", error.severity(), error.text());
            }
        }
        return reply;
    }

    /** Sends {@code set severity-output number; <commands>} and returns the raw answer. */
    String exchange(String commands) throws RuntimeApiException {
        return exchangeLine("set severity-output number; " + commands, commands);
    }

    /**
     * Sends {@code commands} as they are (a master CLI has no {@code set severity-output}) and returns the raw
     * answer.
     */
    String exchangePlain(String commands) throws RuntimeApiException {
        return exchangeLine(commands, commands);
    }

    /** Sends {@code line}; {@code commands} names it in errors. */
    private String exchangeLine(String line, String commands) throws RuntimeApiException {
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a runtime API command line cannot contain a line break: " + commands);
        }
        Promise<String> answer = group.next().newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(channelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS),
                                new AnswerCollector(answer));
                    }
                });
        String sent = line + "\n";
        ChannelFuture connect = bootstrap.connect(socketAddress());
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                answer.tryFailure(f.cause());
                return;
            }
            f.channel().writeAndFlush(Unpooled.copiedBuffer(sent, StandardCharsets.UTF_8)).addListener(w -> {
                if (!w.isSuccess()) {
                    answer.tryFailure(w.cause());
                    f.channel().close();
                }
            });
        });
        try {
            // The connect timeout and the read timeout bound this; the extra margin only covers scheduling.
            return answer.get(timeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connect.channel().close();
            throw new RuntimeApiException("interrupted while talking to HAProxy at " + address, e);
        } catch (TimeoutException e) {
            connect.channel().close();
            throw new RuntimeApiException("HAProxy at " + address + " did not answer '" + commands + "' within "
                    + timeout.toMillis() + "ms", e);
        } catch (ExecutionException e) {
            connect.channel().close();
            throw new RuntimeApiException(describeFailure(commands, e.getCause()), e.getCause());
        }
    }

    private String describeFailure(String commands, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            return "HAProxy at " + address + " did not answer '" + commands + "' within " + timeout.toMillis() + "ms";
        }
        String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (address.isUnix() && !java.nio.file.Files.exists(address.path())) {
            what = "no socket at " + address.path() + " (is HAProxy running with 'stats socket " + address.path()
                    + " level admin'?)";
        }
        return "cannot talk to HAProxy at " + address + " ('" + commands + "'): " + what;
    }

    private Class<? extends Channel> channelClass() {
        if (transport == Transport.EPOLL) {
            return address.isUnix() ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
        }
        return address.isUnix() ? NioDomainSocketChannel.class : NioSocketChannel.class;
    }

    private SocketAddress socketAddress() {
        if (address.isUnix()) {
            return transport == Transport.EPOLL
                    ? new DomainSocketAddress(address.path().toFile())
                    : UnixDomainSocketAddress.of(address.path());
        }
        return new InetSocketAddress(address.host(), address.port());
    }

    /** Releases the event loop thread. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Last handler of a runtime API connection: copies every received chunk (released by
     * {@link SimpleChannelInboundHandler}) and completes the promise with the whole answer when
     * HAProxy closes; fails it on any exception (read timeout included) and closes.
     */
    private static final class AnswerCollector extends SimpleChannelInboundHandler<ByteBuf> {
        private final Promise<String> answer;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        AnswerCollector(Promise<String> answer) {
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            if (bytes.size() + msg.readableBytes() > MAX_ANSWER_BYTES) {
                answer.tryFailure(new IllegalStateException("the answer exceeds " + MAX_ANSWER_BYTES + " bytes"));
                ctx.close();
                return;
            }
            byte[] chunk = new byte[msg.readableBytes()];
            msg.readBytes(chunk);
            bytes.write(chunk, 0, chunk.length);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.trySuccess(bytes.toString(StandardCharsets.UTF_8));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.tryFailure(cause);
            ctx.close();
        }
    }

    @Override
    public String toString() {
        return "RuntimeApiClient[" + address + ", " + transport + "]";
    }
}
