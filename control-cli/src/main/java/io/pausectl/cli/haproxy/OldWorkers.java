package io.pausectl.cli.haproxy;

import io.pausectl.api.Status;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A gate target that also carries its pause over to the HAProxy's old workers, through the master CLI.
 *
 * <p>On a reload (master-worker mode) the old worker stops listening, the stats socket goes to the new
 * worker, and the old one lives on until its connections close (or {@code hard-stop-after}). Requests it
 * holds stay held only while its own lease runs, which nobody renews any more: they were released at
 * ttl + 1 s after the last renewal it got, into the window. With this, every {@link #carryOver} renews the
 * lease in each old worker that holds a pause this target wrote (to the same ttl as the current worker's),
 * or ends it there once the pause is over, so the old worker releases its held requests with the rest of
 * the node: when the intent goes, or at its lease's end when the agent is gone or cut off.
 *
 * <p>Used from one thread, like every {@link PauseTarget}.
 */
final class OldWorkers implements PauseTarget {
    /** Leases remembered: a window sees one or two (a reload makes the agent pause the new worker afresh). */
    private static final int LEASES_KEPT = 16;

    private final PauseTarget gate;
    private final MasterCli master;
    /** The leases this target wrote or renewed, newest last: an old worker holding another is not ours. */
    private final Set<String> leases = new LinkedHashSet<>();
    /** Whether an old worker may hold a pause of ours that has not been ended there. */
    private boolean mayHold;

    OldWorkers(PauseTarget gate, MasterCli master) {
        this.gate = gate;
        this.master = master;
    }

    @Override
    public String name() {
        return gate.name();
    }

    @Override
    public Status status() throws TargetException {
        return gate.status();
    }

    @Override
    public Status pause(PauseSpec spec) throws TargetException {
        Status status = gate.pause(spec);
        if (status.lease() != null) {
            remember(status.lease().id());
        }
        return status;
    }

    @Override
    public Status renew(String leaseId, Duration ttl) throws TargetException {
        remember(leaseId);
        return gate.renew(leaseId, ttl);
    }

    @Override
    public Status resume(String leaseId) throws TargetException {
        return gate.resume(leaseId);
    }

    @Override
    public void intentRead() throws TargetException {
        gate.intentRead();
    }

    private void remember(String leaseId) {
        leases.remove(leaseId);
        leases.add(leaseId);
        mayHold = true;
        if (leases.size() > LEASES_KEPT) {
            Iterator<String> oldest = leases.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    @Override
    public void carryOver(Optional<Duration> ttl) throws TargetException {
        if (ttl.isEmpty() && !mayHold) {
            return;
        }
        try {
            for (long pid : master.oldWorkers()) {
                Map<String, String> vars = master.getVars(pid, List.of(GateTarget.PAUSED, GateTarget.LEASE));
                if (!"1".equals(vars.get(GateTarget.PAUSED)) || !leases.contains(vars.get(GateTarget.LEASE))) {
                    continue;
                }
                if (ttl.isPresent()) {
                    master.setVars(pid, List.of(HaproxyRuntime.dateVar(GateTarget.EXPIRES,
                            GateTarget.ttlSeconds(ttl.get()))));
                } else {
                    master.setVars(pid, List.of(HaproxyRuntime.intVar(GateTarget.PAUSED, 0)));
                }
            }
        } catch (RuntimeApiException e) {
            throw new TargetException(e instanceof RuntimeApiCommandException ? TargetException.Kind.FAILED
                    : TargetException.Kind.UNREACHABLE, "could not " + (ttl.isPresent() ? "renew" : "end")
                    + " the pause in the old workers of HAProxy at " + name() + " through its master CLI at "
                    + master.address().text() + ": " + e.getMessage(), e);
        }
        if (ttl.isEmpty()) {
            mayHold = false;
        }
    }

    @Override
    public void close() {
        try {
            gate.close();
        } finally {
            master.close();
        }
    }
}
