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
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket transport: Linux epoll when its native library loads, Java NIO otherwise.
 *
 * @param name          {@code epoll} or {@code nio}, for the start-up line
 * @param ioHandlers    the I/O handler of the event loops
 * @param serverChannel the listening channel type
 * @param clientChannel the connecting channel type (upstream connections)
 */
public record Transport(String name, IoHandlerFactory ioHandlers,
                        ChannelFactory<? extends ServerChannel> serverChannel,
                        ChannelFactory<? extends Channel> clientChannel) {

    /** The best transport on this machine. */
    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollKeptRegistration.newFactory(), EpollServerSocketChannel::new,
                    EpollSocketChannel::new);
        }
        return nio();
    }

    /** Java NIO, available everywhere. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel::new, NioSocketChannel::new);
    }

    /** A group of {@code threads} event loops on this transport. */
    public EventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadPrefix, true), ioHandlers);
    }
}
