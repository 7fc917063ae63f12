package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * The first handler of a new upstream connection's pipeline (next to the socket) while a request
 * with a body waits to learn that the upstream's kernel holds the connection
 * ({@link UpstreamExchange}'s {@code awaitAccept}): of what is written, it lets ONE byte out, then
 * keeps the rest until {@link #open}. One byte is one segment whatever the path's MSS, so no
 * segment after it can reach an upstream kernel that keeps no state for the connection (SYN
 * cookies) and be answered with a reset, and no origin can act on one byte of a request head.
 * Added and removed by the exchange on its event loop; what it keeps it releases when the channel
 * goes away first.
 */
final class AcceptGate extends ChannelOutboundHandlerAdapter {
    /** Its name in the upstream pipeline. */
    static final String NAME = "accept-gate";

    private final Runnable firstByteWritten;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private final ArrayDeque<ChannelPromise> promises = new ArrayDeque<>();
    private boolean firstSent;

    /** @param firstByteWritten run on the event loop once the first byte reached the kernel (or failed to) */
    AcceptGate(Runnable firstByteWritten) {
        this.firstByteWritten = firstByteWritten;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!firstSent && msg instanceof ByteBuf buf && buf.isReadable()) {
            firstSent = true;
            ctx.write(buf.retainedSlice(buf.readerIndex(), 1)).addListener(f -> firstByteWritten.run());
            buf.skipBytes(1);
        }
        held.add(msg);
        promises.add(promise);
    }

    /** Lets everything kept go out, flushed, and leaves the pipeline. */
    void open(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = held.poll()) != null) {
            ctx.write(msg, promises.poll());
        }
        ctx.flush();
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
            ChannelPromise p = promises.poll();
            if (!p.isVoid()) {
                p.tryFailure(new java.nio.channels.ClosedChannelException());
            }
        }
    }
}
