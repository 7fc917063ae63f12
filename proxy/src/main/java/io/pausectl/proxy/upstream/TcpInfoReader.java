package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.uring.IoUringTcpInfo;

/**
 * One connection's {@code TCP_INFO} (Linux {@code getsockopt(IPPROTO_TCP, TCP_INFO)}), read into
 * one holder that is reused, on the transports that can read it: io_uring and epoll; NIO cannot.
 * Touched only on the connection's event loop.
 */
abstract sealed class TcpInfoReader {
    /** {@code tcpi_state} values (Linux {@code include/net/tcp_states.h}). */
    static final int TCP_ESTABLISHED = 1;
    static final int TCP_CLOSE_WAIT = 8;

    /** Whether {@link #of} can read {@code channel}'s {@code TCP_INFO}. */
    static boolean canRead(Channel channel) {
        return channel instanceof IoUringSocketChannel || channel instanceof EpollSocketChannel;
    }

    /** A reader of {@code channel}'s {@code TCP_INFO}, or null when its transport cannot read it. */
    static TcpInfoReader of(Channel channel) {
        if (channel instanceof IoUringSocketChannel uring) {
            return new IoUring(uring);
        }
        if (channel instanceof EpollSocketChannel epoll) {
            return new Epoll(epoll);
        }
        return null;
    }

    /**
     * Reads the socket's {@code TCP_INFO} now.
     *
     * @return false when it could not be read (the channel closed, or the call failed)
     */
    abstract boolean read();

    /** {@code tcpi_state} of the last {@link #read}. */
    abstract int state();

    /** {@code tcpi_unacked} of the last {@link #read}: segments sent and not yet acknowledged. */
    abstract long unacked();

    /** {@code tcpi_total_retrans} of the last {@link #read}: segments retransmitted over the connection's life. */
    abstract long totalRetrans();

    private static final class IoUring extends TcpInfoReader {
        private final IoUringSocketChannel channel;
        private final IoUringTcpInfo info = new IoUringTcpInfo();

        IoUring(IoUringSocketChannel channel) {
            this.channel = channel;
        }

        @Override
        boolean read() {
            if (!channel.isActive()) {
                return false;
            }
            try {
                channel.tcpInfo(info);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        int state() {
            return info.state();
        }

        @Override
        long unacked() {
            return info.unacked();
        }

        @Override
        long totalRetrans() {
            return info.totalRetrans();
        }
    }

    private static final class Epoll extends TcpInfoReader {
        private final EpollSocketChannel channel;
        private final EpollTcpInfo info = new EpollTcpInfo();

        Epoll(EpollSocketChannel channel) {
            this.channel = channel;
        }

        @Override
        boolean read() {
            if (!channel.isActive()) {
                return false;
            }
            try {
                channel.tcpInfo(info);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        int state() {
            return info.state();
        }

        @Override
        long unacked() {
            return info.unacked();
        }

        @Override
        long totalRetrans() {
            return info.totalRetrans();
        }
    }
}
