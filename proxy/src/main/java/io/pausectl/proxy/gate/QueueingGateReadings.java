package io.pausectl.proxy.gate;

import io.pausectl.api.Counters;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.proxy.metrics.GateReadings;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The read-only view of a {@link QueueingPauseGate} that it hands to the metrics, so that the metrics
 * depend on {@link GateReadings} alone. Every reading is safe from any thread; the two that need the
 * queue (the oldest hold, the pause's start) ask the gate's executor and wait at most a second.
 */
final class QueueingGateReadings implements GateReadings {
    private final QueueingPauseGate gate;

    QueueingGateReadings(QueueingPauseGate gate) {
        this.gate = gate;
    }

    @Override
    public PauseState state() {
        return gate.state();
    }

    @Override
    public int queueDepth() {
        return gate.queueDepth();
    }

    @Override
    public long queuedBytes() {
        return gate.queuedBytes();
    }

    @Override
    public long inFlight() {
        return gate.inFlight();
    }

    @Override
    public Counters counters() {
        return gate.counters();
    }

    @Override
    public int maxQueued() {
        return gate.settings().maxQueued();
    }

    @Override
    public long maxQueuedBytes() {
        return gate.settings().maxQueuedBytes();
    }

    @Override
    public double queueTimeoutSeconds() {
        return gate.settings().queueTimeout().toMillis() / 1000.0;
    }

    @Override
    public double oldestHoldSeconds() {
        Status s = statusNow();
        return s == null ? Double.NaN : s.oldestHeldMs() / 1000.0;
    }

    @Override
    public long drainStartTimeouts() {
        return gate.drainStartTimeouts();
    }

    @Override
    public boolean maintenanceOn() {
        return gate.maintenanceOn();
    }

    @Override
    public double pauseStartedSeconds() {
        Status s = statusNow();
        return s == null ? Double.NaN : s.pausedSince() == null ? 0 : s.pausedSince().toEpochMilli() / 1000.0;
    }

    /**
     * The status, read on the gate's executor (the queue is that thread's alone); null when it does not
     * answer within a second (shutting down, or asked from the executor itself).
     */
    private Status statusNow() {
        try {
            return gate.statusAsync().get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return null;
        }
    }
}
