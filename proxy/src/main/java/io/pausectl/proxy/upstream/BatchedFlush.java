package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.concurrent.Executor;

/**
 * Request heads written to upstream connections during one pass of an event loop, flushed together
 * when the pass ends: HAProxy's order, which reads every ready connection first and sends
 * afterwards. The flush is a task, and an event loop runs its tasks after the I/O events that one
 * wait for readiness returned (Netty's {@code SingleThreadIoEventLoop}), so every request read in
 * that pass is written before the first one is sent.
 *
 * <p>Why: the origin often shares the proxy's core (a sidecar beside its application). A request
 * sent to it wakes it, and the kernel's scheduler may switch to it at once, before the proxy has
 * read the other requests of the pass; the origin then answers one request per wake-up, and every
 * switch costs both processes time. Sent together, the requests of a pass wake the origin once. On
 * the 2-core bench (nginx on the proxy's core, {@code bench/RESULTS.md}) this took the proxy from
 * 0.45 to 0.32 involuntary context switches per request and its CPU per request down by 5 %.
 *
 * <p>A head waits at most for the rest of the pass (the other ready connections' reads): the same
 * wait as in HAProxy. One per event loop, used only on it (its {@link UpstreamConnectionPool}).
 */
final class BatchedFlush implements Runnable {
    /** The event loop (tests pass their own queue of tasks). */
    private final Executor loop;
    /** Channels written to in this pass; a channel may be listed twice (a second flush is a no-op). */
    private final ArrayList<Channel> written = new ArrayList<>();

    BatchedFlush(Executor loop) {
        this.loop = loop;
    }

    /** Flushes {@code channel} once the current pass of the loop ends. Call on the loop. */
    void flushLater(Channel channel) {
        if (written.isEmpty()) {
            loop.execute(this);
        }
        written.add(channel);
    }

    /**
     * Flushes every channel listed, also one listed by a flush's consequences (a failed write that
     * frees a connection to the next waiting request), then forgets them.
     */
    @Override
    public void run() {
        try {
            for (int i = 0; i < written.size(); i++) {
                written.get(i).flush();
            }
        } finally {
            written.clear();
        }
    }
}
