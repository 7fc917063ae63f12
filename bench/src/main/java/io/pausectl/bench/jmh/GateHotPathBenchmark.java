package io.pausectl.bench.jmh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.pausectl.proxy.gate.Admission;
import io.pausectl.proxy.gate.GateSettings;
import io.pausectl.proxy.gate.GatedRequest;
import io.pausectl.proxy.gate.PauseGate;
import io.pausectl.proxy.gate.QueueingPauseGate;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.metrics.ProxyMetrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the pause gate costs a request while nothing is paused: {@code enter} then {@code exit} on
 * the {@link QueueingPauseGate} in state running, against a gate that does nothing. The calling
 * thread plays the request's event loop (the gate never hands work to another thread while
 * running). {@code busyLoop} keeps 64 other requests in flight on the same loop.
 *
 * <pre>java -cp bench/target/pause-bench-*-all.jar org.openjdk.jmh.Main GateHotPath</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GateHotPathBenchmark {
    private EventLoop loop;
    private QueueingPauseGate gate;
    private QueueingPauseGate busyGate;
    private final PauseGate noop = new NoopGate();
    private Request request;
    private Request busyRequest;

    @Setup(Level.Trial)
    public void setUp() {
        loop = new DefaultEventLoop();
        GateSettings settings = new GateSettings(10_000, 64L << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                256, 0, List.of("/healthz"));
        gate = QueueingPauseGate.start(settings, new ProxyMetrics(new SimpleMeterRegistry()));
        busyGate = QueueingPauseGate.start(settings, new ProxyMetrics(new SimpleMeterRegistry()));
        for (int i = 0; i < 64; i++) {
            busyGate.enter(new Request(loop));
        }
        request = new Request(loop);
        busyRequest = new Request(loop);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gate.shutdown().syncUninterruptibly();
        busyGate.shutdown().syncUninterruptibly();
        gate.close().syncUninterruptibly();
        busyGate.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The baseline: a gate that forwards everything and keeps nothing. */
    @Benchmark
    public Admission noopGate() {
        Admission a = noop.enter(request);
        noop.exit(request);
        return a;
    }

    /** The queueing gate, running, nothing else in flight. */
    @Benchmark
    public Admission queueingGateRunning() {
        Admission a = gate.enter(request);
        gate.exit(request);
        return a;
    }

    /** The queueing gate, running, 64 other requests in flight on the loop. */
    @Benchmark
    public Admission queueingGateRunningBusyLoop() {
        Admission a = busyGate.enter(busyRequest);
        busyGate.exit(busyRequest);
        return a;
    }

    private static final class Request extends GatedRequest {
        Request(EventLoop loop) {
            super(loop, "GET", "/orders/42", "api.example.com", 220);
        }

        @Override
        protected void onRelease(long heldNanos) {
            throw new IllegalStateException("never held in this benchmark");
        }

        @Override
        protected void onRefuse(Refusal why) {
            throw new IllegalStateException("never held in this benchmark");
        }
    }

    private static final class NoopGate implements PauseGate {
        @Override
        public Admission enter(GatedRequest request) {
            return Admission.FORWARD;
        }

        @Override
        public void exit(GatedRequest request) {
        }

        @Override
        public void abandon(GatedRequest request) {
        }
    }
}
