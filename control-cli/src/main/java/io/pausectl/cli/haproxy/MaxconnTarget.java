package io.pausectl.cli.haproxy;

import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.cli.target.TargetException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code maxconn} strategy: saves each frontend's {@code slim} (its maxconn), sets it to 0 so
 * that new connections wait in the kernel's accept queue, and on resume restores exactly the saved
 * value. Requests on keep-alive connections that are already open are NOT held, and HAProxy
 * reports no depth for this hold.
 *
 * <p>The saved value is kept in HAProxy itself, in the process variable
 * {@code proc.pausectl_mc_saved_<frontend id>}, so that {@code pausectl resume} run from any other
 * process (after a crash, or after SIGINT/SIGTERM) finds it, and so that it lives and dies with the
 * state it describes: a restart or reload of HAProxy brings back the configured maxconn and drops
 * the variable with it, where a state file would outlive the process and restore a stale value.
 * -1 means nothing saved (the runtime API of 2.6 cannot unset a variable).
 *
 * <p>What the pause waits for ({@code --wait-idle}) is the requests that were on a backend when it
 * took effect, not every request on a backend: requests on kept-alive connections go on through the
 * window (they are not held), so on a busy site a moment with none in flight may never come, and one
 * that does proves nothing about the next. Right after {@code set maxconn frontend <fe> 0} the pause
 * reads {@code show sess} once and keeps its epoch (see {@link ShowSess}) in
 * {@code proc.pausectl_mc_epoch}; a stream on a backend with that epoch or an older one is a request
 * from before the pause, and the state is {@code pausing} until none is left. Any other process's
 * {@code status} reads the same variable; without it (a pause by an older pausectl) every request on
 * a backend counts.
 *
 * <p>Nothing in HAProxy ends this pause by itself: if pausectl dies, the frontend stays at 0 until
 * {@code pausectl resume} runs. Refused on versions that crash when maxconn is raised again
 * ({@link MaxconnVersionGuard}).
 */
final class MaxconnTarget extends HaproxyTarget {
    static final String LEASE = "proc.pausectl_mc_lease";
    static final String HOLDER = "proc.pausectl_mc_holder";
    static final String REASON = "proc.pausectl_mc_reason";
    static final String SINCE = "proc.pausectl_mc_since";
    static final String SAVED_PREFIX = "proc.pausectl_mc_saved_";
    /** The epoch of the {@code show sess} read right after the pause took effect; -1 when none. */
    static final String EPOCH = "proc.pausectl_mc_epoch";
    static final long NOTHING_SAVED = -1;

    private final Function<HaproxyVersion, Optional<String>> guard;

    MaxconnTarget(HaproxyRuntime runtime, List<String> frontends) {
        this(runtime, frontends, MaxconnVersionGuard::refusal);
    }

    /** With another version guard: tests use it to exercise save and restore on a refused version. */
    MaxconnTarget(HaproxyRuntime runtime, List<String> frontends, Function<HaproxyVersion, Optional<String>> guard) {
        super(runtime, frontends);
        this.guard = guard;
    }

    /** One frontend as {@code show stat} and its saved-value variable describe it. */
    private record FrontendState(String name, long iid, long slim, long saved) {
        String savedVar() {
            return SAVED_PREFIX + iid;
        }

        boolean paused() {
            return saved != NOTHING_SAVED;
        }
    }

    /**
     * @param inFlight       requests on a backend (show stat's backend {@code scur})
     * @param inFlightBefore of those, the ones from before the pause (all of them when its epoch is unknown);
     *                       0 when not paused
     */
    private record State(List<FrontendState> frontends, Map<String, String> vars, long inFlight, long inFlightBefore) {
        boolean anyPaused() {
            return frontends.stream().anyMatch(FrontendState::paused);
        }

        String lease() {
            return vars.getOrDefault(LEASE, "");
        }
    }

    private State readState() throws TargetException {
        try {
            List<StatRow> stats = runtime.showStat();
            List<StatRow> rows = frontendRows(stats);
            List<String> names = new ArrayList<>(List.of(LEASE, HOLDER, REASON, SINCE, EPOCH));
            for (StatRow row : rows) {
                names.add(SAVED_PREFIX + row.getLong("iid", 0));
            }
            Map<String, String> vars = runtime.getVars(List.of(), names);
            List<FrontendState> frontendStates = new ArrayList<>();
            for (StatRow row : rows) {
                long iid = row.getLong("iid", 0);
                String saved = vars.get(SAVED_PREFIX + iid);
                frontendStates.add(new FrontendState(row.pxname(), iid, row.getLong("slim", -1),
                        saved == null ? NOTHING_SAVED : Long.parseLong(saved)));
            }
            long inFlight = inFlight(stats);
            boolean paused = frontendStates.stream().anyMatch(FrontendState::paused);
            long before = 0;
            if (paused && inFlight > 0) {
                long epoch = vars.containsKey(EPOCH) ? Long.parseLong(vars.get(EPOCH)) : -1;
                before = epoch < 0 ? inFlight : runtime.showSess().onBackendNotNewerThan(epoch);
            }
            return new State(frontendStates, vars, inFlight, before);
        } catch (RuntimeApiException e) {
            throw failure("read the frontends of", e);
        }
    }

    /** The requests on a backend from before the pause whose {@code show sess} read {@code epoch}. */
    private long inFlightBefore(long epoch) throws RuntimeApiException {
        // show stat first: it is cheap, and with nothing on a backend there is no stream to look for.
        return inFlight(runtime.showStat()) == 0 ? 0 : runtime.showSess().onBackendNotNewerThan(epoch);
    }

    private void checkVersion(String doing) throws TargetException {
        HaproxyVersion version;
        try {
            version = runtime.version();
        } catch (RuntimeApiException e) {
            throw failure("read the version of", e);
        } catch (IllegalArgumentException e) {
            throw new TargetException(who() + ": " + e.getMessage() + "; cannot tell whether " + doing + " is safe", e);
        }
        Optional<String> refusal = guard.apply(version);
        if (refusal.isPresent()) {
            throw new TargetException(who() + ": " + refusal.get());
        }
    }

    @Override
    public Status status() throws TargetException {
        return toStatus(readState());
    }

    private static Status toStatus(State s) {
        boolean paused = s.anyPaused();
        PauseState state = paused ? (s.inFlightBefore() > 0 ? PauseState.PAUSING : PauseState.PAUSED) : PauseState.RUNNING;
        Lease lease = paused ? new Lease(s.lease(), s.vars().get(HOLDER), s.vars().get(REASON), null, Scope.ALL) : null;
        Instant since = paused && s.vars().containsKey(SINCE) ? Instant.ofEpochSecond(Long.parseLong(s.vars().get(SINCE))) : null;
        // Connections wait in the kernel's accept queue, which HAProxy does not count: no depth
        // while paused, no max depth and no totals (null), rather than zeros that look measured.
        return status(state, paused ? NOT_COUNTED : 0, s.inFlight(), s.inFlightBefore(), 0, lease, since, NOT_COUNTED,
                null);
    }

    @Override
    public Status pause(PauseSpec spec) throws TargetException {
        checkVersion("pausing with maxconn");
        Scope scope = spec.scope() == null ? Scope.ALL : spec.scope();
        if (!scope.methods().isEmpty() || !scope.pathPrefixes().isEmpty() || !scope.hosts().isEmpty()) {
            throw new TargetException(who() + ": the maxconn strategy holds whole connections and cannot pause"
                    + " a scope (methods, paths, hosts); use --strategy gate");
        }
        State before = readState();
        if (before.anyPaused()) {
            throw new ConflictException(who() + " is already paused by lease " + before.lease()
                    + " held by " + before.vars().getOrDefault(HOLDER, "?") + " (maxconn saved for "
                    + before.frontends().stream().filter(FrontendState::paused).map(FrontendState::name).toList() + ")");
        }
        for (FrontendState fe : before.frontends()) {
            if (fe.slim() <= 0) {
                throw new TargetException(who() + ": frontend " + fe.name() + " has maxconn " + fe.slim()
                        + " already; pausectl will not save 0 as the value to restore");
            }
        }
        String leaseId = newLeaseId();
        List<String> assignments = new ArrayList<>();
        assignments.add(HaproxyRuntime.textVar(LEASE, leaseId));
        assignments.add(HaproxyRuntime.textVar(HOLDER, spec.holder()));
        assignments.add(HaproxyRuntime.textVar(REASON, spec.reason()));
        assignments.add(HaproxyRuntime.dateVar(SINCE, 0));
        assignments.add(HaproxyRuntime.intVar(EPOCH, -1));
        for (FrontendState fe : before.frontends()) {
            assignments.add(HaproxyRuntime.intVar(fe.savedVar(), fe.slim()));
        }
        try {
            // Saved before anything changes: whatever happens next, resume knows what to restore.
            runtime.setVars(assignments);
            for (FrontendState fe : before.frontends()) {
                runtime.setFrontendMaxconn(fe.name(), 0);
            }
        } catch (RuntimeApiException e) {
            throw failure("pause (set maxconn 0)", e);
        }
        long epoch;
        try {
            // After the pause took effect: every request from before it has this epoch or an older one.
            epoch = runtime.showSess().epoch();
            runtime.setVars(List.of(HaproxyRuntime.intVar(EPOCH, epoch)));
        } catch (RuntimeApiException e) {
            throw failure("read the streams of", e);
        }
        awaitIdle(spec.waitIdle() == null ? Duration.ZERO : spec.waitIdle(), () -> inFlightBefore(epoch));
        return status();
    }

    @Override
    public Status renew(String leaseId, Duration ttl) throws TargetException {
        State state = readState();
        requireLease(state, leaseId);
        // Nothing expires in HAProxy for this strategy: there is nothing to extend.
        return toStatus(state);
    }

    @Override
    public Status resume(String leaseId) throws TargetException {
        State state = readState();
        if (leaseId != null) {
            requireLease(state, leaseId);
        }
        if (!state.anyPaused()) {
            return toStatus(state);
        }
        checkVersion("raising maxconn again");
        try {
            for (FrontendState fe : state.frontends()) {
                if (fe.paused()) {
                    runtime.setFrontendMaxconn(fe.name(), fe.saved());
                    runtime.setVars(List.of(HaproxyRuntime.intVar(fe.savedVar(), NOTHING_SAVED)));
                }
            }
            runtime.setVars(List.of(HaproxyRuntime.intVar(EPOCH, -1)));
        } catch (RuntimeApiException e) {
            throw failure("resume (restore maxconn)", e);
        }
        return status();
    }

    private void requireLease(State state, String leaseId) throws LeaseGoneException {
        if (!state.anyPaused() || !state.lease().equals(leaseId)) {
            throw new LeaseGoneException(who() + " holds no maxconn pause with lease " + leaseId
                    + (state.anyPaused() ? " (it is paused by lease " + state.lease() + ")" : " (it is not paused)"));
        }
    }
}
