package io.pausectl.proxy.gate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.testkit.RandomSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gate on real threads: request "loops" admit, finish and abandon requests at random while a
 * controller pauses (all, or writes only) and resumes at random, and leases expire. Checks, each
 * time the gate says {@code paused}, that no request in the pause's scope is in flight (the
 * census is race-free), and at the end that every request ended exactly once and the counters
 * add up.
 */
@ExtendWith(RandomSeed.Extension.class)
class QueueingPauseGateConcurrencyTest {

    @Test
    void censusIsRaceFreeAndEveryRequestEndsOnce(RandomSeed seed) throws Exception {
        List<EventLoop> loops = List.of(new DefaultEventLoop(), new DefaultEventLoop(), new DefaultEventLoop());
        QueueingPauseGate gate = QueueingPauseGate.start(new GateSettings(200, 1 << 20, Duration.ofMillis(150),
                Duration.ofSeconds(2), 8, 0, List.of("/health")), new ProxyMetrics(new SimpleMeterRegistry()));
        AtomicInteger inFlightWrites = new AtomicInteger();
        AtomicInteger inFlightAll = new AtomicInteger();
        ConcurrentLinkedQueue<Sim> all = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        AtomicLong pausedChecks = new AtomicLong();

        List<Thread> generators = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            Random loopRnd = seed.random(i); // used on that loop's thread only
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    loop.execute(() -> {
                        Random rnd = loopRnd;
                        String method = rnd.nextBoolean() ? "GET" : "POST";
                        String path = rnd.nextInt(10) == 0 ? "/health" : "/x";
                        Sim s = new Sim(loop, rnd, method, path, gate, inFlightWrites, inFlightAll);
                        all.add(s);
                        s.admission = gate.enter(s);
                        if (s.admission == Admission.FORWARD) {
                            s.started();
                        } else if (s.admission == Admission.HELD && rnd.nextInt(8) == 0) {
                            loop.schedule(() -> gate.abandon(s), rnd.nextInt(100), TimeUnit.MILLISECONDS);
                        }
                    });
                    LockSupport.parkMicros(200);
                }
            }, "generator");
            t.start();
            generators.add(t);
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        Random rnd = seed.random(loops.size());
        while (System.nanoTime() < deadline) {
            boolean writesOnly = rnd.nextBoolean();
            boolean letExpire = rnd.nextInt(4) == 0;
            Scope scope = writesOnly ? new Scope(List.of("POST"), List.of(), List.of()) : Scope.ALL;
            PauseOrder cmd = new PauseOrder("stress", "test",
                    Optional.of(Duration.ofMillis(letExpire ? 100 : 5000)), Duration.ofSeconds(2), scope,
                    Optional.empty());
            Future<Status> f = gate.pause(cmd);
            Status s = f.get(5, TimeUnit.SECONDS);
            if (!letExpire && s.state() == PauseState.PAUSED) {
                int inScope = writesOnly ? inFlightWrites.get() : inFlightAll.get();
                if (inScope != 0 && gate.state() == PauseState.PAUSED) {
                    violations.incrementAndGet();
                }
                pausedChecks.incrementAndGet();
            }
            Thread.sleep(5 + rnd.nextInt(195)); // hold traffic for a while: this is the workload, not a wait
            if (letExpire) {
                await().atMost(Duration.ofSeconds(5)).until(() -> gate.statusAsync().get().lease() == null);
            } else {
                gate.resume(s.lease().id(), false).get(5, TimeUnit.SECONDS);
            }
            Thread.sleep(rnd.nextInt(50));
        }
        stop.set(true);
        for (Thread t : generators) {
            t.join();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> all.stream().allMatch(Sim::ended)
                && gate.state() == PauseState.RUNNING);

        assertThat(violations.get()).as("paused while in-scope requests were in flight").isZero();
        assertThat(pausedChecks.get()).isPositive();
        Counters c = gate.counters();
        long forwarded = all.stream().filter(s -> s.admission == Admission.FORWARD).count();
        long held = all.stream().filter(s -> s.admission == Admission.HELD).count();
        long rejected = all.stream().filter(s -> s.admission == Admission.REJECTED).count();
        long released = all.stream().filter(s -> "released".equals(s.outcome)).count();
        long timedOut = all.stream().filter(s -> "TIMED_OUT".equals(s.outcome)).count();
        long gone = all.stream().filter(s -> s.admission == Admission.HELD && s.outcome == null).count();
        assertThat(c.held()).isEqualTo(held);
        assertThat(c.rejected()).isEqualTo(rejected);
        assertThat(c.released()).isEqualTo(released);
        assertThat(c.timedOut()).isEqualTo(timedOut);
        assertThat(c.clientGone()).isEqualTo(gone);
        assertThat(c.released() + c.timedOut() + c.clientGone()).isEqualTo(c.held());
        assertThat(held).isPositive();
        assertThat(released).isPositive();
        assertThat(timedOut).isPositive();
        assertThat(gone).isPositive();
        assertThat(forwarded).isPositive();
        assertThat(all).allMatch(s -> s.callbacks.get() <= 1);
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.queueDepth()).isZero();
        assertThat(gate.queuedBytes()).isZero();
        assertThat(inFlightAll.get()).isZero();

        gate.shutdown().get(5, TimeUnit.SECONDS);
        gate.close().get(5, TimeUnit.SECONDS);
        for (EventLoop loop : loops) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Parks without the interrupt handling of Thread.sleep: paces the generators. */
    private static final class LockSupport {
        static void parkMicros(long micros) {
            java.util.concurrent.locks.LockSupport.parkNanos(micros * 1000);
        }
    }

    /** A simulated request: forwarded ones finish after a random time on their loop. */
    static final class Sim extends GatedRequest {
        final QueueingPauseGate gate;
        final Random rnd;
        final AtomicInteger inFlightWrites;
        final AtomicInteger inFlightAll;
        final AtomicInteger callbacks = new AtomicInteger();
        volatile Admission admission;
        volatile String outcome;
        volatile boolean finished;
        private final boolean bypass;

        Sim(EventLoop loop, Random rnd, String method, String path, QueueingPauseGate gate,
            AtomicInteger inFlightWrites, AtomicInteger inFlightAll) {
            super(loop, method, path, "", 50);
            this.gate = gate;
            this.rnd = rnd;
            this.inFlightWrites = inFlightWrites;
            this.inFlightAll = inFlightAll;
            this.bypass = path.startsWith("/health");
        }

        /** Forwarded: count it as in flight (unless bypassed) and finish it later. */
        void started() {
            if (!bypass) {
                inFlightAll.incrementAndGet();
                if (method().equals("POST")) {
                    inFlightWrites.incrementAndGet();
                }
            }
            eventLoop().schedule(() -> {
                if (!bypass) {
                    inFlightAll.decrementAndGet();
                    if (method().equals("POST")) {
                        inFlightWrites.decrementAndGet();
                    }
                }
                finished = true;
                gate.exit(this);
            }, rnd.nextInt(30), TimeUnit.MILLISECONDS);
        }

        boolean ended() {
            if (admission == Admission.REJECTED) {
                return true;
            }
            if (admission == Admission.FORWARD || "released".equals(outcome)) {
                return finished;
            }
            return outcome != null || holdState == HoldState.CLIENT_GONE;
        }

        @Override
        protected void onRelease(long heldNanos) {
            callbacks.incrementAndGet();
            outcome = "released";
            started();
        }

        @Override
        protected void onRefuse(Refusal why) {
            callbacks.incrementAndGet();
            outcome = why.name();
        }
    }
}
