package io.pausectl.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.uring.IoUringTcpInfo;

import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * One connection's {@code TCP_INFO} (Linux {@code getsockopt(IPPROTO_TCP, TCP_INFO)}), read into
 * one holder that is reused, on the transports that can read it: io_uring and epoll; NIO cannot.
 * Netty gives each of the two transports a holder of its own with the same fields and no common
 * type, so a reader is made of the holder's calls. Touched only on the connection's event loop.
 */
public final class TcpInfoReader {
    /** {@code tcpi_state} values (Linux {@code include/net/tcp_states.h}). */
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_CLOSE_WAIT = 8;

    private final Channel channel;
    private final Runnable read;
    private final IntSupplier state;
    private final LongSupplier unacked;
    private final LongSupplier totalRetrans;
    private final LongSupplier lastDataSent;
    private final LongSupplier lastAckReceived;

    private TcpInfoReader(Channel channel, Runnable read, IntSupplier state, LongSupplier unacked,
                          LongSupplier totalRetrans, LongSupplier lastDataSent, LongSupplier lastAckReceived) {
        this.channel = channel;
        this.read = read;
        this.state = state;
        this.unacked = unacked;
        this.totalRetrans = totalRetrans;
        this.lastDataSent = lastDataSent;
        this.lastAckReceived = lastAckReceived;
    }

    /** Whether {@link #of} can read {@code channel}'s {@code TCP_INFO}. */
    public static boolean canRead(Channel channel) {
        return channel instanceof IoUringSocketChannel || channel instanceof EpollSocketChannel;
    }

    /**
     * {@code channel}'s {@code tcpi_state} now, read once (a holder made for the call), or -1 when
     * its transport cannot read {@code TCP_INFO} or the read failed.
     */
    public static int state(Channel channel) {
        TcpInfoReader reader = of(channel);
        return reader != null && reader.read() ? reader.state() : -1;
    }

    /** A reader of {@code channel}'s {@code TCP_INFO}, or null when its transport cannot read it. */
    public static TcpInfoReader of(Channel channel) {
        if (channel instanceof IoUringSocketChannel uring) {
            IoUringTcpInfo info = new IoUringTcpInfo();
            return new TcpInfoReader(channel, () -> uring.tcpInfo(info), info::state, info::unacked,
                    info::totalRetrans, info::lastDataSent, info::lastAckRecv);
        }
        if (channel instanceof EpollSocketChannel epoll) {
            EpollTcpInfo info = new EpollTcpInfo();
            return new TcpInfoReader(channel, () -> epoll.tcpInfo(info), info::state, info::unacked,
                    info::totalRetrans, info::lastDataSent, info::lastAckRecv);
        }
        return null;
    }

    /**
     * Reads the socket's {@code TCP_INFO} now.
     *
     * @return false when it could not be read (the channel closed, or the call failed)
     */
    public boolean read() {
        if (!channel.isActive()) {
            return false;
        }
        try {
            read.run();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code tcpi_state} of the last {@link #read}. */
    public int state() {
        return state.getAsInt();
    }

    /** {@code tcpi_unacked} of the last {@link #read}: segments sent and not yet acknowledged. */
    public long unacked() {
        return unacked.getAsLong();
    }

    /** {@code tcpi_total_retrans} of the last {@link #read}: segments retransmitted over the connection's life. */
    public long totalRetrans() {
        return totalRetrans.getAsLong();
    }

    /**
     * {@code tcpi_last_data_sent} of the last {@link #read}: milliseconds since the kernel last sent
     * a segment carrying data (a window probe carries none; a retransmission does).
     */
    public long lastDataSentMillis() {
        return lastDataSent.getAsLong();
    }

    /** {@code tcpi_last_ack_recv} of the last {@link #read}: milliseconds since the peer's last acknowledgement. */
    public long lastAckReceivedMillis() {
        return lastAckReceived.getAsLong();
    }
}
