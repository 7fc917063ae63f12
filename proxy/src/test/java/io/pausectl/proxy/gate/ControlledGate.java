package io.pausectl.proxy.gate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pause gate a test drives by hand: each {@link #enter} answers the next planned admission
 * (FORWARD when none is planned), and the test releases or refuses held requests itself. It
 * records every call so a test can check the client side's half of the contract: exit exactly
 * once per forwarded request, never for others, abandon when a held client goes away.
 */
public final class ControlledGate implements PauseGate {
    private final ConcurrentLinkedDeque<Admission> plan = new ConcurrentLinkedDeque<>();
    public final List<GatedRequest> entered = new CopyOnWriteArrayList<>();
    public final List<GatedRequest> held = new CopyOnWriteArrayList<>();
    public final List<GatedRequest> abandoned = new CopyOnWriteArrayList<>();
    private final Map<GatedRequest, AtomicInteger> exits = new ConcurrentHashMap<>();

    /** The next requests get these admissions, in order. */
    public ControlledGate plan(Admission... admissions) {
        plan.addAll(List.of(admissions));
        return this;
    }

    @Override
    public Admission enter(GatedRequest request) {
        entered.add(request);
        Admission a = plan.poll();
        a = a == null ? Admission.FORWARD : a;
        if (a == Admission.HELD) {
            held.add(request);
        }
        return a;
    }

    @Override
    public void exit(GatedRequest request) {
        exits.computeIfAbsent(request, r -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void abandon(GatedRequest request) {
        abandoned.add(request);
    }

    /** Releases a held request as the real gate does: on its event loop. */
    public void release(GatedRequest request, long heldNanos) {
        request.eventLoop().execute(() -> request.onRelease(heldNanos));
    }

    /** Refuses a held request as the real gate does: on its event loop. */
    public void refuse(GatedRequest request, Refusal why) {
        request.eventLoop().execute(() -> request.onRefuse(why));
    }

    /** How many times {@link #exit} was called for {@code request}. */
    public int exits(GatedRequest request) {
        AtomicInteger n = exits.get(request);
        return n == null ? 0 : n.get();
    }

    /** Every request that exit was called for. */
    public int exitedRequests() {
        return exits.size();
    }
}
