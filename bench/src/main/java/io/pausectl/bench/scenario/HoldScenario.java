package io.pausectl.bench.scenario;

import io.pausectl.bench.load.LoadGenerator;
import io.pausectl.bench.load.LoadResult;
import io.pausectl.bench.load.LoadRun;
import io.pausectl.bench.load.LoadSpec;
import io.pausectl.bench.upstream.SampleUpstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's memory per held request: the same proxy process measured idle (after warm-up, one
 * short pause released again, a full collection and a native heap trim), then holding
 * {@code count} requests (after a full collection and a trim); the deltas divided by the count. RSS from {@code /proc/<pid>/status}; heap from the class histogram, whose
 * largest growers are kept to say what a held request costs.
 */
public final class HoldScenario {
    private static final int TOP_CLASSES = 40;

    private HoldScenario() {
    }

    /** The hold's JSON, fields as the design lists them. */
    public record Report(long held, long rssBytesPerHeld, long heapBytesPerHeld) {
    }

    /** One class's growth between idle and holding. */
    public record ClassGrowth(String className, long instances, long bytes) {
    }

    /**
     * @param report            the JSON fields
     * @param rssIdle           the proxy's RSS idle, bytes
     * @param rssHeld           its RSS holding the requests, bytes
     * @param heapIdle          live heap idle, bytes
     * @param heapHeld          live heap holding, bytes
     * @param topGrowth         the classes that grew most, largest first
     * @param released          held requests answered 2xx after the resume
     * @param failedAfterResume held requests that failed after the resume
     * @param rssPeak           the proxy's largest RSS until the requests were held (VmHWM), bytes
     * @param rssHeldAtOnce     its RSS holding the requests read at once after the collection and a
     *                          trim, before the JIT compilers settled ({@link ProcessMemory#settleCompiler}), bytes
     */
    public record Outcome(Report report, long rssIdle, long rssHeld, long heapIdle, long heapHeld,
                          List<ClassGrowth> topGrowth, long released, long failedAfterResume, long rssPeak,
                          long rssHeldAtOnce) {
    }

    /** The longest the hold waits for the proxy's JIT compilers to settle before reading its RSS. */
    static final java.time.Duration SETTLE_LIMIT = java.time.Duration.ofSeconds(60);

    private static String settled(long millis) {
        return millis >= 0 ? "settled in " + millis + " ms" : "still busy after " + -millis + " ms";
    }

    public static Outcome run(int count, List<String> proxyJvmOptions, Narrator n) throws Exception {
        HeldLoad.checkCount(count);
        try (SampleUpstream upstream = SampleUpstream.start(1);
             BenchProxy proxy = BenchProxy.start(upstream.uri(), HeldLoad.proxyArgs(count), proxyJvmOptions);
             LoadGenerator generator = new LoadGenerator(2)) {
            n.always("pause-proxy pid %d; warming up", proxy.pid());
            WindowScenario.warmUp(generator, proxy, upstream, WindowScenario.WARM_UP_REQUESTS);
            warmHold(generator, count, () -> HeldLoad.pause(proxy, "pause-bench hold: warm-up"), proxy.admin()::resume,
                    c -> HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, c, n));

            ProcessMemory.Histogram idleHeap = ProcessMemory.liveHeap(proxy.pid());
            long idleSettled = ProcessMemory.settleCompiler(proxy.pid(), SETTLE_LIMIT);
            ProcessMemory.trimNativeHeap(proxy.pid());
            long rssIdle = ProcessMemory.rssBytes(proxy.pid());
            n.always("idle: RSS %d KiB, live heap %d KiB (JIT compilers %s)", rssIdle / 1024,
                    idleHeap.totalBytes() / 1024, settled(idleSettled));

            String lease = HeldLoad.pause(proxy, "pause-bench hold");
            LoadRun run = HeldLoad.sendAndAwaitHeld(generator, proxy, upstream, count, n);
            n.always("holding %d requests", count);

            // The peak before the histogram's full collection; RSS after it, as for idle.
            long rssPeak = ProcessMemory.peakRssBytes(proxy.pid());
            ProcessMemory.Histogram heldHeap = ProcessMemory.liveHeap(proxy.pid());
            ProcessMemory.trimNativeHeap(proxy.pid());
            long rssHeldAtOnce = ProcessMemory.rssBytes(proxy.pid());
            long heldSettled = ProcessMemory.settleCompiler(proxy.pid(), SETTLE_LIMIT);
            ProcessMemory.trimNativeHeap(proxy.pid());
            long rssHeld = ProcessMemory.rssBytes(proxy.pid());
            n.always("holding: RSS %d KiB (%d KiB at once, before the JIT compilers %s), live heap %d KiB",
                    rssHeld / 1024, rssHeldAtOnce / 1024, settled(heldSettled), heldHeap.totalBytes() / 1024);

            proxy.admin().resume(lease);
            LoadResult r = run.result().get(120, TimeUnit.SECONDS);

            Report report = new Report(count, (rssHeld - rssIdle) / count, (heldHeap.totalBytes() - idleHeap.totalBytes()) / count);
            return new Outcome(report, rssIdle, rssHeld, idleHeap.totalBytes(), heldHeap.totalBytes(),
                    growth(idleHeap, heldHeap), r.ok(), r.failed() + r.lost(), rssPeak, rssHeldAtOnce);
        }
    }

    /**
     * HAProxy with the Lua gate, measured the same way (RSS only: it has no heap to histogram).
     *
     * @param rssIdle           HAProxy's RSS after warm-up, bytes
     * @param rssHeld           its RSS holding the requests, bytes
     * @param rssBytesPerHeld   the growth divided by the count
     * @param released          held requests answered 2xx after the resume
     * @param failedAfterResume held requests that failed after the resume
     */
    public record GateOutcome(long rssIdle, long rssHeld, long rssBytesPerHeld, long released, long failedAfterResume) {
    }

    /** The same hold through HAProxy 2.6 with {@code deploy/haproxy/pause-gate.lua}. */
    public static GateOutcome runHaproxy(int count, Narrator n) throws Exception {
        HeldLoad.checkCount(count);
        try (SampleUpstream upstream = SampleUpstream.start(1);
             HaproxyGate haproxy = HaproxyGate.start(upstream.uri(), count + 100);
             LoadGenerator generator = new LoadGenerator(2)) {
            n.always("haproxy (Lua gate) pid %d; warming up", haproxy.pid());
            warmUp(generator, haproxy.uri(), upstream);
            warmHold(generator, count, () -> {
                haproxy.pause();
                return "";
            }, lease -> haproxy.resume(), c -> HeldLoad.sendAndAwaitHeld(generator, haproxy.uri(), haproxy::held,
                    upstream, c, n, () -> "haproxy's output:\n" + haproxy.output()));
            long rssIdle = ProcessMemory.rssBytes(haproxy.pid());
            n.always("idle: RSS %d KiB", rssIdle / 1024);

            haproxy.pause();
            LoadRun run = HeldLoad.sendAndAwaitHeld(generator, haproxy.uri(), haproxy::held, upstream, count, n,
                    () -> "haproxy's output:\n" + haproxy.output());
            long rssHeld = ProcessMemory.rssBytes(haproxy.pid());
            n.always("holding %d requests: RSS %d KiB", count, rssHeld / 1024);

            haproxy.resume();
            LoadResult r = run.result().get(120, TimeUnit.SECONDS);
            return new GateOutcome(rssIdle, rssHeld, (rssHeld - rssIdle) / count, r.ok(), r.failed() + r.lost());
        }
    }

    /** Requests held and released once before the idle figure is taken (at most the count measured). */
    static final int WARM_HOLD = 500;

    /** Pauses a gate; returns what resumes it (a lease id, or anything). */
    interface Pause {
        String pause() throws Exception;
    }

    /** Resumes a gate paused by {@link Pause}. */
    interface Resume {
        void resume(String lease) throws Exception;
    }

    /** Sends {@code count} requests to a paused gate and waits until it holds them all. */
    interface Hold {
        LoadRun hold(int count) throws Exception;
    }

    /**
     * One short pause before the idle figure, holding {@link #WARM_HOLD} requests (or the count,
     * if fewer) and releasing them: what a gate spends once, on its first pause (the classes and
     * compiled code of the pause path and its control API, the allocator's first chunks), is then
     * in the idle figure, and the difference is what each held request costs. Both gates get the
     * same warm-up.
     */
    static void warmHold(LoadGenerator generator, int count, Pause pause, Resume resume, Hold hold) throws Exception {
        holdAndRelease(Math.min(count, WARM_HOLD), pause, resume, hold);
    }

    /** Pauses, holds {@code warm} requests, resumes, and waits until all are answered. */
    static void holdAndRelease(int warm, Pause pause, Resume resume, Hold hold) throws Exception {
        String lease = pause.pause();
        LoadRun run = hold.hold(warm);
        resume.resume(lease);
        LoadResult r = run.result().get(120, TimeUnit.SECONDS);
        if (r.ok() != warm) {
            throw new IllegalStateException("the warm-up hold answered " + r.ok() + " of " + warm + ": " + r.failures());
        }
    }

    /** Warm-up traffic through a gate that is not paused (as the proxy gets before it is measured idle). */
    static void warmUp(LoadGenerator generator, URI target, SampleUpstream upstream) throws Exception {
        LoadSpec warm = LoadSpec.closedLoop(target, 16, WindowScenario.WARM_UP_REQUESTS, Duration.ofSeconds(20))
                .runId("warmup" + System.nanoTime()).build();
        upstream.openLedger(warm.runId(), warm.count());
        LoadResult r = generator.start(warm).result().get(60, TimeUnit.SECONDS);
        if (r.ok() != r.sent()) {
            throw new IllegalStateException(target + " did not pass warm-up traffic: " + r.ok() + " of " + r.sent()
                    + " ok, failures " + r.failures());
        }
    }

    private static List<ClassGrowth> growth(ProcessMemory.Histogram idle, ProcessMemory.Histogram held) {
        java.util.Map<String, ProcessMemory.ClassRow> before = new java.util.HashMap<>();
        idle.rows().forEach(row -> before.put(row.className(), row));
        List<ClassGrowth> grown = new ArrayList<>();
        for (ProcessMemory.ClassRow row : held.rows()) {
            ProcessMemory.ClassRow was = before.get(row.className());
            long bytes = row.bytes() - (was == null ? 0 : was.bytes());
            long instances = row.instances() - (was == null ? 0 : was.instances());
            if (bytes > 0) {
                grown.add(new ClassGrowth(row.className(), instances, bytes));
            }
        }
        grown.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        return grown.subList(0, Math.min(TOP_CLASSES, grown.size()));
    }
}
