package io.pausectl.bench.load;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.pausectl.bench.net.Transports;

import java.util.concurrent.TimeUnit;

/**
 * The bench's HTTP load generator on Netty. Each of its event loops runs a share of a run's
 * requests with its own connection pool; see {@link LoadSpec} for open-loop (fixed rate, latency
 * from the intended send time) and closed-loop (fixed concurrency, for capacity) runs. Every
 * request carries a unique {@code X-Req-Id}.
 */
public final class LoadGenerator implements AutoCloseable {
    /** Lead time between starting a run and its first intended request, so every loop starts on time. */
    private static final long START_LEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final EventLoopGroup group;

    public LoadGenerator(int threads) {
        this.group = Transports.group("load-generator", threads);
    }

    /** Starts a run; its result completes when it is over. */
    public LoadRun start(LoadSpec spec) {
        LoadRun run = new LoadRun(spec, System.nanoTime() + START_LEAD_NANOS);
        int stride = 0;
        for (EventExecutor ignored : group) {
            stride++;
        }
        int index = 0;
        for (EventExecutor e : group) {
            run.add(new LoadWorker(run, (EventLoop) e, index++, stride));
        }
        run.start();
        return run;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
