package io.pausectl.proxy.upstream;

import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.concurrent.Executor;

/**
 * Request heads written to upstream connections during one pass of an event loop, flushed together
 * by a task the loop runs after that pass. An event loop handles every I/O event one wait for
 * readiness returned, then runs its tasks in order (Netty's {@code SingleThreadIoEventLoop}), so the
 * heads of the requests read in one pass leave together once every ready connection was read; a
 * head written from a task (a released request of a drain, a request that waited for a connection)
 * leaves after the tasks queued before this one.
 *
 * <p>Why: the origin often shares the proxy's core (a sidecar beside its application, or nginx in
 * the bench). A request sent to it wakes it, and the kernel's scheduler may switch to it at once,
 * before the proxy has read the other requests of the pass; the origin then answers about one
 * request per wake-up, and every switch costs both processes time. HAProxy's system calls show the
 * order this gives (every ready connection read, then the sends), and pause-proxy sent each request
 * as soon as it was read: 0.45 involuntary context switches per request against HAProxy's 0.31 on
 * the bench, 0.32 with this batching, and 5 % less CPU per request ({@code bench/RESULTS.md},
 * session 11).
 *
 * <p>Only the flush of a head the exchange would have flushed at once waits here: a body's pieces,
 * a head waiting for its empty end, a request sent again and a head on a new connection that waits
 * for the upstream's accept ({@link AcceptGate}) are flushed as before. A channel closed before the
 * flush releases what it held unsent (the exchange sees the close as before). One per event loop,
 * used only on it (its {@link UpstreamConnectionPool}).
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
     * Flushes every channel listed, also one listed while this runs (by whatever a flush sets off),
     * then forgets them. A flush that throws does not keep the others from leaving.
     */
    @Override
    public void run() {
        RuntimeException failed = null;
        for (int i = 0; i < written.size(); i++) {
            try {
                written.get(i).flush();
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        written.clear();
        if (failed != null) {
            throw failed;
        }
    }
}
