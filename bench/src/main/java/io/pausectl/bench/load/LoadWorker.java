package io.pausectl.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.ScheduledFuture;
import io.pausectl.bench.net.Transports;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of a load run: its requests (open-loop: every {@code stride}-th sequence
 * number, from {@code index}) or its connections (closed-loop), its connection pool and its
 * totals. Every field is touched on {@link #loop} only, so nothing here is locked; the run reads
 * the totals after {@link #finish} (published through {@link LoadRun#workerDone}).
 */
final class LoadWorker {
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final LoadRun run;
    private final LoadSpec spec;
    private final EventLoop loop;
    private final int index;
    private final int stride;
    private final int connectionShare;
    private final Bootstrap bootstrap;
    private final String hostHeader;

    private final ArrayDeque<Integer> pending = new ArrayDeque<>();
    private final ArrayDeque<ClientConnectionHandler> idle = new ArrayDeque<>();
    private final Set<ClientConnectionHandler> connections = new HashSet<>();
    private int open;
    private int connecting;
    private int nextSeq;
    private ScheduledFuture<?> deadline;
    private boolean finished;
    // connect-first (closed loop): connects settled, of which failed, before the run's clock started
    private boolean going;
    private int connectsSettled;
    private int connectsFailedEarly;

    // totals, read by the run once finished
    final Histogram latencyMicros = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    final Map<String, Long> failures = new TreeMap<>();
    long issued;
    long ok;
    long failed;
    long lost;
    long neverWritten;
    long heldAnswers;
    long maxHeldMs;
    long lastDoneNanos;

    LoadWorker(LoadRun run, EventLoop loop, int index, int stride) {
        this.run = run;
        this.spec = run.spec();
        this.loop = loop;
        this.index = index;
        this.stride = stride;
        int total = spec.openLoop() ? spec.maxConnections() : spec.concurrency();
        // open-loop: every loop needs a connection of its own, or its requests could never go
        int share = total / stride + (index < total % stride ? 1 : 0);
        this.connectionShare = spec.openLoop() ? Math.max(1, share) : share;
        InetSocketAddress target = new InetSocketAddress(spec.target().getHost(), spec.target().getPort());
        this.hostHeader = spec.target().getHost() + ":" + spec.target().getPort();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transports.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .remoteAddress(target)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                                new HttpClientCodec(),
                                new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                                new ClientConnectionHandler(LoadWorker.this));
                    }
                });
    }

    void start() {
        loop.execute(this::begin);
    }

    /** Connect-first: every worker's connections are open and the run's clock has started; send. */
    void go() {
        loop.execute(this::startSending);
    }

    void finishSoon() {
        loop.execute(this::finish);
    }

    private void begin() {
        long start = run.startNanos();
        if (spec.openLoop()) {
            nextSeq = index;
            int last = lastSeqOfMine();
            if (last < 0) {
                finish();
                return;
            }
            long end = start + spec.intendedOffsetNanos(last) + spec.answerGrace().toNanos();
            deadline = loop.schedule(this::finish, end - System.nanoTime(), TimeUnit.NANOSECONDS);
            loop.schedule(this::tick, start - System.nanoTime(), TimeUnit.NANOSECONDS);
        } else if (spec.connectFirst()) {
            if (connectionShare == 0) {
                run.workerConnected();
                finish();
                return;
            }
            connectShareAt(start);
        } else {
            long end = start + spec.duration().toNanos();
            deadline = loop.schedule(this::finish, end + spec.answerGrace().toNanos() - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
            // when time is up nothing else may happen here (all answered): look again then
            loop.schedule(this::maybeFinish, end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (connectionShare == 0) {
                finish();
                return;
            }
            connectShareAt(start);
        }
    }

    /** Opens this worker's share of the connections at {@code startNanos} (System.nanoTime). */
    private void connectShareAt(long startNanos) {
        loop.schedule(() -> {
            for (int i = 0; i < connectionShare; i++) {
                connect();
            }
        }, startNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /** Connect-first: the clock started (the run's start is now); what a closed loop's begin does, on open connections. */
    private void startSending() {
        if (finished) {
            return;
        }
        going = true;
        long end = run.startNanos() + spec.duration().toNanos();
        deadline = loop.schedule(this::finish, end + spec.answerGrace().toNanos() - System.nanoTime(),
                TimeUnit.NANOSECONDS);
        loop.schedule(this::maybeFinish, end - System.nanoTime(), TimeUnit.NANOSECONDS);
        for (int i = 0; i < connectsFailedEarly; i++) {
            // each fails one request, as connectFailed does; the run may end only once all are counted
            int seq = run.nextClosedLoopSeq();
            if (seq >= 0) {
                issuedClosedLoop(seq);
                fail(seq, RequestLog.CONNECT_FAILED, System.nanoTime());
            }
        }
        List<ClientConnectionHandler> ready = new ArrayList<>(idle);
        idle.clear();
        for (ClientConnectionHandler c : ready) {
            becameIdle(c);
        }
        maybeFinish();
    }

    private void connectSettled() {
        if (++connectsSettled == connectionShare) {
            run.workerConnected();
        }
    }

    private int lastSeqOfMine() {
        int count = spec.count();
        if (index >= count) {
            return -1;
        }
        return index + ((count - 1 - index) / stride) * stride;
    }

    /** Open-loop: issues every request whose intended time has come, then sleeps until the next one's. */
    private void tick() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        long start = run.startNanos();
        while (nextSeq < spec.count()) {
            long intended = start + spec.intendedOffsetNanos(nextSeq);
            if (intended > now) {
                loop.schedule(this::tick, intended - now, TimeUnit.NANOSECONDS);
                return;
            }
            issue(nextSeq, intended);
            nextSeq += stride;
        }
        maybeFinish();
    }

    private void issue(int seq, long intendedNanos) {
        issued++;
        run.issued.increment();
        if (run.log() != null) {
            run.log().issued(seq, intendedNanos - run.startNanos());
        }
        ClientConnectionHandler c = idle.pollLast();
        if (c != null) {
            send(c, seq);
        } else {
            pending.addLast(seq);
            while (pending.size() > connecting && open < connectionShare) {
                connect();
            }
        }
    }

    private void send(ClientConnectionHandler c, int seq) {
        c.send(seq, intendedNanos(seq), hostHeader, spec.path(), spec.runId(), spec.keepAlive());
    }

    private long intendedNanos(int seq) {
        return spec.openLoop() ? run.startNanos() + spec.intendedOffsetNanos(seq) : System.nanoTime();
    }

    private void connect() {
        open++;
        connecting++;
        ChannelFuture f = bootstrap.connect();
        f.addListener(done -> {
            connecting--;
            boolean early = spec.connectFirst() && !going;
            if (done.isSuccess()) {
                Channel ch = f.channel();
                ClientConnectionHandler c = ch.pipeline().get(ClientConnectionHandler.class);
                if (finished || c == null) {
                    ch.close();
                } else {
                    connections.add(c);
                    if (early) {
                        idle.addLast(c);
                    } else {
                        becameIdle(c);
                    }
                }
            } else {
                open--;
                if (early) {
                    connectsFailedEarly++;
                } else if (!finished) {
                    connectFailed();
                }
            }
            if (early) {
                connectSettled();
            }
        });
    }

    /** A connection could not be opened: the request waiting for it fails (so a dead target cannot spin). */
    private void connectFailed() {
        if (spec.openLoop()) {
            Integer seq = pending.pollFirst();
            if (seq != null) {
                fail(seq, RequestLog.CONNECT_FAILED, System.nanoTime());
            }
        } else {
            int seq = run.nextClosedLoopSeq();
            if (seq >= 0) {
                issuedClosedLoop(seq);
                fail(seq, RequestLog.CONNECT_FAILED, System.nanoTime());
            }
        }
        maybeFinish();
    }

    private void issuedClosedLoop(int seq) {
        issued++;
        run.issued.increment();
        if (run.log() != null) {
            run.log().issued(seq, System.nanoTime() - run.startNanos());
        }
    }

    private void becameIdle(ClientConnectionHandler c) {
        if (finished) {
            c.close();
            return;
        }
        if (spec.openLoop()) {
            Integer seq = pending.pollFirst();
            if (seq != null) {
                send(c, seq);
            } else {
                idle.addLast(c);
            }
        } else {
            int seq = run.nextClosedLoopSeq();
            if (seq >= 0) {
                issuedClosedLoop(seq);
                send(c, seq);
            } else {
                if (!spec.connectFirst()) {
                    c.close();
                }
                maybeFinish();
            }
        }
    }

    /** Called by a connection with the answer to {@code seq}. */
    void answered(ClientConnectionHandler c, int seq, long intendedNanos, int status, int heldMs, boolean reusable,
                  String reason) {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        latencyMicros.recordValue(Math.min(Math.max(0, (now - intendedNanos) / 1000), latencyMicros.getHighestTrackableValue()));
        if (heldMs >= 0) {
            heldAnswers++;
            maxHeldMs = Math.max(maxHeldMs, heldMs);
        }
        if (status >= 200 && status < 300) {
            ok++;
            run.answered.increment();
            done(seq, now, status, heldMs);
        } else {
            fail(seq, status, now, reason);
        }
        if (reusable && spec.keepAlive()) {
            becameIdle(c);
        } else {
            c.close();
        }
        maybeFinish();
    }

    /** Called by a connection when it closed; {@code brokenSeq} is the request it carried, or -1. */
    void closed(ClientConnectionHandler c, int brokenSeq) {
        if (!connections.remove(c)) {
            return;
        }
        open--;
        idle.remove(c);
        if (finished) {
            return;
        }
        if (brokenSeq >= 0) {
            fail(brokenSeq, RequestLog.CLOSED_BEFORE_ANSWER, System.nanoTime());
        }
        if (spec.connectFirst() && !going) {
            return; // one connection fewer when the clock starts; nothing was sent yet
        }
        if (spec.openLoop()) {
            while (pending.size() > connecting && open < connectionShare) {
                connect();
            }
        } else if (run.closedLoopHasMore() && open < connectionShare) {
            connect();
        }
        maybeFinish();
    }

    private void fail(int seq, int code, long now) {
        fail(seq, code, now, null);
    }

    /** @param reason what the answer's body says (5xx), or null */
    private void fail(int seq, int code, long now, String reason) {
        failed++;
        run.answered.increment();
        failures.merge(reason == null || reason.isEmpty() ? describe(code) : describe(code) + " (" + reason + ")", 1L,
                Long::sum);
        done(seq, now, code, -1);
    }

    private void done(int seq, long now, int status, int heldMs) {
        lastDoneNanos = Math.max(lastDoneNanos, now);
        if (run.log() != null) {
            run.log().done(seq, now - run.startNanos(), status, heldMs);
        }
    }

    private static String describe(int code) {
        switch (code) {
            case RequestLog.CONNECT_FAILED:
                return "connect failed";
            case RequestLog.CLOSED_BEFORE_ANSWER:
                return "connection closed before the answer";
            case RequestLog.WRONG_ID:
                return "answered with another request's id";
            default:
                return "HTTP " + code;
        }
    }

    private void maybeFinish() {
        if (finished) {
            return;
        }
        boolean moreToIssue = spec.openLoop() ? nextSeq < spec.count() : run.closedLoopHasMore() && open > 0;
        if (!moreToIssue && issued == ok + failed) {
            finish();
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        lost = issued - ok - failed;
        neverWritten = pending.size();
        pending.clear();
        idle.clear();
        // Its connections are closed once every worker is done (closeConnections): closing them now
        // made the proxy close them too while the other workers' requests were still being answered
        // (a drain's tail, when one worker's share was released first), and the drain timed that.
        run.workerDone();
    }

    /** Closes this worker's connections, on its loop; once the whole run is over. */
    void closeConnections() {
        loop.execute(() -> {
            for (ClientConnectionHandler c : new ArrayList<>(connections)) {
                c.close();
            }
        });
    }
}
