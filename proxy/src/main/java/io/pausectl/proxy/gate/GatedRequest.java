package io.pausectl.proxy.gate;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One request as the pause gate sees it: what scope matching needs, and the two ways a held
 * request ends that the client side must act on. Implemented by the client side's per-request
 * exchange. The gate keeps its own bookkeeping for the request in this object's package-private
 * fields, so admitting a request allocates nothing more.
 */
public abstract class GatedRequest {
    private final EventLoop eventLoop;
    private final String method;
    private final String path;
    private final String host;
    private final int bufferedBytes;

    // The gate's bookkeeping (see QueueingPauseGate for who owns what). The in-flight links
    // (InFlightRegistry) and the census mark are touched only on eventLoop; the queue links
    // (HeldQueue) only on the gate's executor; holdState only on eventLoop (the executor decides,
    // the loop settles the outcome).
    GatedRequest inFlightPrev;
    GatedRequest inFlightNext;
    InFlightRegistry.Loop registry;
    PauseLease censusMark;
    /**
     * Released by the gate, and the loop has not yet told the gate that its drain slot is free
     * ({@link PauseGate#answerStarted} or {@link PauseGate#exit}); touched only on eventLoop.
     */
    boolean owesDrainSlot;
    /** Holds one of the gate's drain slots, since {@link #drainSlotSinceNanos}; on the executor only. */
    boolean drainSlot;
    long drainSlotSinceNanos;
    HoldState holdState = HoldState.NOT_HELD;
    long heldAtNanos;
    GatedRequest queuePrev;
    GatedRequest queueNext;
    boolean queued;
    /** The gate's number for it while held (GET /v1/held); set on the executor. */
    long heldId;
    /** Set before {@link Admission#MAINTENANCE} or {@link Refusal#MAINTENANCE} is handed over. */
    MaintenanceNotice maintenance;
    /**
     * {@link MethodOverrides#of} of {@link #head()}, read on the first method-scoped match; the head
     * no longer changes then, so a second reading on another thread finds the same.
     */
    private volatile String[] methodOverrides;

    /**
     * @param eventLoop     the client channel's event loop; every callback runs on it
     * @param method        the request method, upper case
     * @param path          the request target's path (no query)
     * @param host          the Host header without port, lower case, or empty
     * @param bufferedBytes bytes the proxy keeps for this request while it is held: its parsed head,
     *                      the buffers it grew and the socket bytes read with it (see the client side)
     */
    protected GatedRequest(EventLoop eventLoop, String method, String path, String host, int bufferedBytes) {
        this.eventLoop = eventLoop;
        this.method = method;
        this.path = path;
        this.host = host;
        this.bufferedBytes = bufferedBytes;
    }

    public final EventLoop eventLoop() {
        return eventLoop;
    }

    public final String method() {
        return method;
    }

    public final String path() {
        return path;
    }

    public final String host() {
        return host;
    }

    public final int bufferedBytes() {
        return bufferedBytes;
    }

    /**
     * The request head as it goes upstream (hop-by-hop headers removed, origin form), from which a
     * method scope reads method overrides ({@link MethodOverrides}); null when there is none. It must
     * not change once the request entered the gate.
     */
    protected HttpRequest head() {
        return null;
    }

    /** The methods an origin may be told to act on instead of {@link #method()}; see {@link MethodOverrides}. */
    final String[] methodOverrides() {
        String[] o = methodOverrides;
        if (o == null) {
            o = MethodOverrides.of(head());
            methodOverrides = o;
        }
        return o;
    }

    /**
     * The client's address, {@code ip:port}, as {@code GET /v1/held} lists it; read from the
     * gate's executor, so it must not change.
     */
    public String client() {
        return "";
    }

    /**
     * What to answer when the gate said {@link Admission#MAINTENANCE} or refused with
     * {@link Refusal#MAINTENANCE}; null otherwise.
     */
    public final MaintenanceNotice maintenanceNotice() {
        return maintenance;
    }

    /**
     * The gate released this held request: forward it now. It counts as in flight until
     * {@link PauseGate#exit}. Runs on {@link #eventLoop()}.
     *
     * @param heldNanos how long it was held, for {@code Server-Timing: pause;dur=<ms>}
     */
    protected abstract void onRelease(long heldNanos);

    /**
     * Asked on {@link #eventLoop()} as the gate is about to release this held request: whether its
     * client is gone though the gate was not told yet (its connection is closing, and the abandon
     * that will follow has not run), or the request ended on its own side. Cheap: no system call,
     * since a release must not cost one per request in a drain. When true
     * the hold ends {@code client_gone} and {@link #onClientGone} is called instead of
     * {@link #onRelease}. False unless a subclass knows better.
     */
    protected boolean clientGoneAtRelease() {
        return false;
    }

    /**
     * The gate found this held request's client gone as it released it ({@link #clientGoneAtRelease}):
     * close the connection. It was never forwarded and {@link PauseGate#exit} must not be called for
     * it. Runs on {@link #eventLoop()}.
     */
    protected void onClientGone() {
    }

    /**
     * The gate refuses this held request: answer 503 with {@code Retry-After} (and
     * {@code Connection: close} when its body was left unread). It was never forwarded and
     * {@link PauseGate#exit} must not be called for it. Runs on {@link #eventLoop()}.
     */
    protected abstract void onRefuse(Refusal why);
}
