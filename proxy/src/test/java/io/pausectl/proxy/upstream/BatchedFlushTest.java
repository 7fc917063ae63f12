package io.pausectl.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Writes listed in one pass of the loop leave together, once the pass's tasks run, and only then. */
class BatchedFlushTest {
    private final EmbeddedChannel first = new EmbeddedChannel();
    private final EmbeddedChannel second = new EmbeddedChannel();
    private final List<Runnable> loopTasks = new ArrayList<>();

    @AfterEach
    void close() {
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void writesOfOnePassLeaveTogetherWhenThePassEnds() {
        BatchedFlush flush = new BatchedFlush(loopTasks::add);
        first.write(bytes("GET /a"));
        flush.flushLater(first);
        second.write(bytes("GET /b"));
        flush.flushLater(second);
        first.write(bytes(" and more"));
        flush.flushLater(first);

        assertThat((Object) first.readOutbound()).as("nothing leaves during the pass").isNull();
        assertThat((Object) second.readOutbound()).isNull();
        assertThat(loopTasks).as("one flush for the pass").hasSize(1);

        endPass();
        assertThat(readAll(first)).isEqualTo("GET /a and more");
        assertThat(readAll(second)).isEqualTo("GET /b");
    }

    @Test
    void aWriteListedByAFlushLeavesInTheSameRun() {
        BatchedFlush flush = new BatchedFlush(loopTasks::add);
        // Whatever a flush sets off may write and list another channel while the task runs.
        first.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                ctx.flush();
                if (!second.outboundMessages().isEmpty() || second.unsafe().outboundBuffer().totalPendingWriteBytes() > 0) {
                    return;
                }
                second.write(bytes("next"));
                flush.flushLater(second);
            }
        });
        first.write(bytes("one"));
        flush.flushLater(first);

        loopTasks.remove(0).run();
        assertThat(loopTasks).as("no second task: the running one took it").isEmpty();
        assertThat(readAll(first)).isEqualTo("one");
        assertThat(readAll(second)).isEqualTo("next");

        // And the list starts empty again: the next pass schedules its own flush.
        first.write(bytes("two"));
        flush.flushLater(first);
        assertThat((Object) first.readOutbound()).isNull();
        endPass();
        assertThat(readAll(first)).isEqualTo("two");
    }

    @Test
    void aFlushThatThrowsDoesNotKeepTheOthersFromLeaving() {
        BatchedFlush flush = new BatchedFlush(loopTasks::add);
        // Netty's flush hands a handler's exception to the pipeline; a channel may still throw.
        EmbeddedChannel broken = new EmbeddedChannel() {
            @Override
            public io.netty.channel.Channel flush() {
                throw new IllegalStateException("a broken channel");
            }
        };
        try {
            broken.write(bytes("stuck"));
            flush.flushLater(broken);
            second.write(bytes("GET /b"));
            flush.flushLater(second);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> loopTasks.remove(0).run())
                    .isInstanceOf(IllegalStateException.class);
            assertThat(readAll(second)).isEqualTo("GET /b");

            second.write(bytes("GET /c"));
            flush.flushLater(second);
            assertThat(loopTasks).as("the list was emptied: the next pass queues its own flush").hasSize(1);
            endPass();
            assertThat(readAll(second)).isEqualTo("GET /c");
        } finally {
            broken.finishAndReleaseAll();
        }
    }

    @Test
    void aChannelClosedBeforeThePassEndsReleasesWhatItHeld() {
        BatchedFlush flush = new BatchedFlush(loopTasks::add);
        ByteBuf head = bytes("GET /gone");
        second.write(head);
        flush.flushLater(second);
        second.close();

        endPass();
        assertThat(head.refCnt()).isZero();
        assertThat((Object) second.readOutbound()).isNull();
    }

    /** The loop's pass ends: the tasks it queued run, as an event loop runs them after its I/O. */
    private void endPass() {
        while (!loopTasks.isEmpty()) {
            loopTasks.remove(0).run();
        }
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String readAll(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }
}
