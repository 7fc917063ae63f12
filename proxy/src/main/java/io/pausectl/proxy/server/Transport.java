package io.pausectl.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pausectl.proxy.config.TransportChoice;

/**
 * The socket transport ({@code --transport}): Linux io_uring where the kernel allows it, epoll
 * where its native library loads, Java NIO otherwise.
 *
 * <p>io_uring is preferred because it costs less per exchange: Netty queues each connection's
 * reads and writes to the kernel and reaps their completions in batches, one {@code io_uring_enter}
 * per pass of the loop, where epoll takes a {@code recvfrom} and a {@code sendto} per message and
 * an {@code epoll_ctl} whenever interest changes (bench/RESULTS.md, "Session 14").
 *
 * @param kind          which one it is: {@link TransportChoice#IO_URING}, {@link TransportChoice#EPOLL} or
 *                      {@link TransportChoice#NIO}, never {@link TransportChoice#AUTO}
 * @param ioHandlers    the I/O handler of the event loops
 * @param serverChannel the listening channel type
 * @param clientChannel the connecting channel type (upstream connections)
 */
public record Transport(TransportChoice kind, IoHandlerFactory ioHandlers,
                        ChannelFactory<? extends ServerChannel> serverChannel,
                        ChannelFactory<? extends Channel> clientChannel) {

    /**
     * The transport {@code choice} names; for {@link TransportChoice#AUTO} the best one this
     * machine allows.
     *
     * @throws TransportUnavailableException when the transport named is not available here, with
     *                                       Netty's reason (e.g. a kernel older than io_uring needs,
     *                                       or a seccomp policy that refuses {@code io_uring_setup})
     */
    public static Transport of(TransportChoice choice) {
        return switch (choice) {
            case AUTO -> best();
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw new TransportUnavailableException(choice, IoUring.unavailabilityCause());
                }
                yield ioUring();
            }
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new TransportUnavailableException(choice, Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case NIO -> nio();
        };
    }

    /** The best transport on this machine: io_uring, else epoll, else NIO. */
    private static Transport best() {
        if (IoUring.isAvailable()) {
            return ioUring();
        }
        return withoutIoUring();
    }

    /** The best transport on this machine but io_uring: epoll, else NIO (auto's fallback). */
    static Transport withoutIoUring() {
        if (Epoll.isAvailable()) {
            return epoll();
        }
        return nio();
    }

    /** Java NIO, available everywhere. */
    private static Transport nio() {
        return new Transport(TransportChoice.NIO, NioIoHandler.newFactory(), NioServerSocketChannel::new, NioSocketChannel::new);
    }

    private static Transport ioUring() {
        return new Transport(TransportChoice.IO_URING, IoUringIoHandler.newFactory(), IoUringServerSocketChannel::new,
                IoUringSocketChannel::new);
    }

    private static Transport epoll() {
        return new Transport(TransportChoice.EPOLL, EpollKeptRegistration.newFactory(), EpollServerSocketChannel::new,
                EpollSocketChannel::new);
    }

    /** {@code io_uring}, {@code epoll} or {@code nio}, as {@code --transport} spells it, for the start-up line. */
    public String name() {
        return kind.spelling();
    }

    /** A group of {@code threads} event loops on this transport. */
    public EventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadPrefix, true), ioHandlers);
    }
}
