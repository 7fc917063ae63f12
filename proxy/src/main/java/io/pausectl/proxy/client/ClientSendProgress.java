package io.pausectl.proxy.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.pausectl.proxy.server.TcpInfoReader;

import java.util.concurrent.TimeUnit;

/**
 * Whether a client connection that is not writable took anything of what was written to it since
 * the last look: the measure behind {@code --client-send-timeout}. Touched only on the channel's
 * event loop.
 *
 * <p>The client takes bytes in two places, and either counts:
 * <ul>
 * <li>the channel's outbound buffer: a message or part of one left it for the socket
 * ({@link #outputMoved}, the head message and its progress, as Netty's {@code IdleStateHandler}
 * observes output), or the channel became writable ({@link #drained}). Bytes written to the buffer
 * meanwhile do not hide what left it: comparing the bytes still to drain did (a piece of the
 * response added after the look read as nothing taken, and a mark kept from before a writable spell
 * was compared with a later, fuller buffer);</li>
 * <li>the kernel's send buffer, on the transports that read {@code TCP_INFO} (io_uring, epoll): a
 * loopback or LAN connection's buffer grows to megabytes ({@code tcp_wmem}), and the kernel takes
 * more from the outbound buffer only once a third of it is free, so a client reading a few KB a
 * second drains it for minutes without the outbound buffer moving (a slow reader was cut at the
 * second look, 120 s with the default timeout, while it kept reading). There the client took
 * bytes when the kernel sent it data and got an acknowledgement since the last look: new data goes
 * out only when the client's window opened, which it does when the client reads; a client that
 * reads nothing gets window probes without data, and one that is gone sends no acknowledgement to
 * the data sent again. A client that reads less than a segment in a whole timeout opens no window
 * and is not seen to progress. On NIO only the outbound buffer is watched.</li>
 * </ul>
 */
final class ClientSendProgress {
    private final Channel channel;
    /** When the last look was ({@link System#nanoTime}). */
    private long lookedAtNanos;
    /** The outbound buffer's head message at the last look (its identity hash; 0 for none). */
    private int headIdentity;
    /** How much of that message was written at the last look. */
    private long headProgress;
    /** The channel became writable since the last look. */
    private boolean drained;
    /** The kernel's side; null on NIO. */
    private final TcpInfoReader tcpInfo;

    ClientSendProgress(Channel channel) {
        this.channel = channel;
        this.tcpInfo = TcpInfoReader.of(channel);
    }

    /** Starts watching from now: what the outbound buffer holds is the mark. */
    void mark(long nowNanos) {
        lookedAtNanos = nowNanos;
        drained = false;
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out == null) {
            headIdentity = 0;
            headProgress = 0;
            return;
        }
        headIdentity = System.identityHashCode(out.current());
        headProgress = out.currentProgress();
    }

    /** The channel became writable: the client took what was queued down to the low water mark. */
    void drained() {
        drained = true;
    }

    /** Whether the client took anything since the last look; the watch then starts again from now. */
    boolean tookSinceLastLook(long nowNanos) {
        boolean took = drained || outputMoved() || kernelSent(nowNanos - lookedAtNanos);
        mark(nowNanos);
        return took;
    }

    private boolean outputMoved() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out != null && (System.identityHashCode(out.current()) != headIdentity
                || out.currentProgress() != headProgress);
    }

    private boolean kernelSent(long sinceNanos) {
        if (tcpInfo == null || !tcpInfo.read()) {
            return false;
        }
        long sinceMillis = TimeUnit.NANOSECONDS.toMillis(sinceNanos);
        return tcpInfo.lastDataSentMillis() < sinceMillis && tcpInfo.lastAckReceivedMillis() < sinceMillis;
    }
}
