package io.pausectl.cli.haproxy;

import io.pausectl.api.Counters;
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

/**
 * The {@code gate} strategy: drives {@code deploy/haproxy/pause-gate.lua} through process
 * variables. A pause writes the lease (id, holder, reason, start, expiry by HAProxy's own clock)
 * and the scope, then {@code proc.pausectl_paused = 1}; the gate holds every in-scope request,
 * keep-alive ones included, until the pause ends, the lease expires (the gate stops holding by
 * itself, so a crashed pausectl never leaves HAProxy paused) or the request reaches the gate's hold
 * limit (then 503 with Retry-After). Status reads the gate's held-request variables with
 * {@code get var}. An HAProxy in a fleet may load the gate with a start hold
 * ({@code proc.pausectl_start_hold_ms}): it then holds every request from its start until
 * {@code proc.pausectl_ready} is set, or the start hold is over. A pause and a renewal set it in the same
 * command line as the pause itself, so it never reaches a process without the pause (see {@link #holding});
 * {@link #intentRead} sets it alone, for when no pause is to be held.
 */
final class GateTarget extends HaproxyTarget {
    static final String PAUSED = "proc.pausectl_paused";
    static final String EXPIRES = "proc.pausectl_expires";
    static final String LEASE = "proc.pausectl_lease";
    static final String HOLDER = "proc.pausectl_holder";
    static final String REASON = "proc.pausectl_reason";
    static final String SINCE = "proc.pausectl_since";
    static final String SCOPE_METHODS = "proc.pausectl_scope_methods";
    static final String SCOPE_PATHS = "proc.pausectl_scope_paths";
    static final String SCOPE_HOSTS = "proc.pausectl_scope_hosts";
    static final String HELD = "proc.pausectl_held";
    static final String HELD_MAX = "proc.pausectl_held_max";
    static final String OLDEST_SINCE_MS = "proc.pausectl_oldest_since_ms";
    static final String HELD_TOTAL = "proc.pausectl_held_total";
    static final String RELEASED_TOTAL = "proc.pausectl_released_total";
    static final String TIMED_OUT_TOTAL = "proc.pausectl_timed_out_total";
    /** Held requests whose stream HAProxy ended while held (3.0 with option abortonclose: the client left). */
    static final String CLIENT_GONE_TOTAL = "proc.pausectl_client_gone_total";
    /** Set by {@code pausectl agent} once it has read the fleet's intent: the gate's start hold ends. */
    static final String READY = "proc.pausectl_ready";
    /** Scratch variable: HAProxy's clock (epoch ms) when the variables were read. */
    static final String NOW_MS = "proc.pausectl_now_ms";

    private static final List<String> STATE_VARS = List.of(NOW_MS, PAUSED, EXPIRES, LEASE, HOLDER, REASON, SINCE,
            SCOPE_METHODS, SCOPE_PATHS, SCOPE_HOSTS, HELD, HELD_MAX, OLDEST_SINCE_MS, HELD_TOTAL, RELEASED_TOTAL,
            TIMED_OUT_TOTAL, CLIENT_GONE_TOTAL);

    GateTarget(HaproxyRuntime runtime, List<String> frontends) {
        super(runtime, frontends);
    }

    /** The gate's variables as read at one instant of HAProxy's clock. */
    private record GateState(Map<String, String> vars) {
        long nowMs() {
            return number(NOW_MS, 0);
        }

        boolean flagSet() {
            return number(PAUSED, 0) == 1;
        }

        boolean expired() {
            String expires = vars.get(EXPIRES);
            return expires != null && nowMs() / 1000 >= Long.parseLong(expires);
        }

        /** Paused as the gate sees it: the flag is set and the lease has not run out. */
        boolean holding() {
            return flagSet() && !expired();
        }

        String lease() {
            return vars.getOrDefault(LEASE, "");
        }

        long number(String name, long fallback) {
            String v = vars.get(name);
            if (v == null || v.isEmpty()) {
                return fallback;
            }
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                return fallback;
            }
        }

        Lease toLease() {
            if (!holding()) {
                return null;
            }
            Instant expiresAt = vars.containsKey(EXPIRES) ? Instant.ofEpochSecond(number(EXPIRES, 0)) : null;
            return new Lease(lease(), vars.get(HOLDER), vars.get(REASON), expiresAt,
                    new Scope(list(SCOPE_METHODS), list(SCOPE_PATHS), list(SCOPE_HOSTS)));
        }

        private List<String> list(String name) {
            String v = vars.get(name);
            List<String> items = new ArrayList<>();
            if (v != null) {
                for (String item : v.split(",")) {
                    if (!item.isBlank()) {
                        items.add(item.strip());
                    }
                }
            }
            return items;
        }
    }

    private GateState readState() throws TargetException {
        Map<String, String> vars;
        try {
            // The gate's own command first: it refreshes the held-request variables read after it.
            if (runtime.gateInfo() == null) {
                throw new TargetException(who() + " has not loaded the pause gate: add 'lua-load /etc/haproxy/pause-gate.lua'"
                        + " to its global section and 'http-request lua.pause_gate' to frontend "
                        + String.join(", ", frontends) + " (see deploy/haproxy/haproxy.cfg), or use --strategy maxconn");
            }
            vars = runtime.getVars(List.of("experimental-mode on", "set var " + NOW_MS + " expr date(0,ms)"), STATE_VARS);
        } catch (RuntimeApiException e) {
            throw failure("read the pause gate's state from", e);
        }
        return new GateState(vars);
    }

    @Override
    public Status status() throws TargetException {
        GateState state = readState();
        long inFlight;
        try {
            List<StatRow> stats = runtime.showStat();
            frontendRows(stats);
            inFlight = inFlight(stats);
        } catch (RuntimeApiException e) {
            throw failure("read 'show stat' of", e);
        }
        return toStatus(state, inFlight);
    }

    private static Status toStatus(GateState s, long inFlight) {
        int held = (int) s.number(HELD, 0);
        PauseState state;
        if (s.holding()) {
            state = inFlight > 0 ? PauseState.PAUSING : PauseState.PAUSED;
        } else {
            state = held > 0 ? PauseState.DRAINING : PauseState.RUNNING;
        }
        long oldestSince = s.number(OLDEST_SINCE_MS, 0);
        long oldestHeldMs = held > 0 && oldestSince > 0 ? Math.max(0, s.nowMs() - oldestSince) : 0;
        Instant pausedSince = s.holding() && s.vars().containsKey(SINCE) ? Instant.ofEpochSecond(s.number(SINCE, 0)) : null;
        Counters counters = new Counters(s.number(HELD_TOTAL, 0), s.number(RELEASED_TOTAL, 0),
                s.number(TIMED_OUT_TOTAL, 0), 0, s.number(CLIENT_GONE_TOTAL, 0), 0, 0);
        return status(state, held, inFlight, oldestHeldMs, s.toLease(), pausedSince, (int) s.number(HELD_MAX, 0), counters);
    }

    @Override
    public Status pause(PauseSpec spec) throws TargetException {
        GateState before = readState();
        try {
            frontendRows(runtime.showStat());
        } catch (RuntimeApiException e) {
            throw failure("read 'show stat' of", e);
        }
        if (before.holding()) {
            throw new ConflictException(who() + " is already paused by lease " + before.lease()
                    + " held by " + before.vars().getOrDefault(HOLDER, "?")
                    + " (reason: " + before.vars().getOrDefault(REASON, "") + ")"
                    + " until " + Instant.ofEpochSecond(before.number(EXPIRES, 0)));
        }
        Scope scope = spec.scope() == null ? Scope.ALL : spec.scope();
        String leaseId = newLeaseId();
        List<String> assignments = new ArrayList<>();
        assignments.add(HaproxyRuntime.dateVar(SINCE, 0));
        assignments.add(HaproxyRuntime.intVar(HELD_MAX, 0));
        assignments.addAll(holding(leaseId, HaproxyRuntime.textVar(HOLDER, spec.holder()),
                HaproxyRuntime.textVar(REASON, spec.reason()), ttlSeconds(spec.ttl()),
                HaproxyRuntime.textVar(SCOPE_METHODS, String.join(",", scope.methods())),
                HaproxyRuntime.textVar(SCOPE_PATHS, String.join(",", scope.pathPrefixes())),
                HaproxyRuntime.textVar(SCOPE_HOSTS, String.join(",", scope.hosts()))));
        try {
            runtime.setVars(assignments);
        } catch (RuntimeApiException e) {
            throw failure("pause", e);
        }
        awaitIdle(spec.waitIdle() == null ? Duration.ZERO : spec.waitIdle());
        return status();
    }

    /**
     * The assignments that make whichever process receives them hold under this lease, in one command line:
     * the lease, then {@code proc.pausectl_paused} (so the gate never holds under a half-written lease), then
     * {@code proc.pausectl_ready} (so a start hold ends only where the pause already is). HAProxy runs the
     * commands of one line in the process that accepted the connection; each call opens its own connection,
     * so a reload between two calls lands them in different processes (old and new worker), and nothing that
     * ends the start hold may travel apart from the pause. Values are assignments ({@code name expression}).
     */
    private static List<String> holding(String leaseId, String holder, String reason, long ttlSeconds, String methods,
                                        String paths, String hosts) {
        return List.of(HaproxyRuntime.textVar(LEASE, leaseId), holder, reason,
                HaproxyRuntime.dateVar(EXPIRES, ttlSeconds), methods, paths, hosts,
                HaproxyRuntime.intVar(PAUSED, 1), HaproxyRuntime.intVar(READY, 1));
    }

    static long ttlSeconds(Duration ttl) {
        if (ttl == null || ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("a pause needs a positive ttl, got " + ttl);
        }
        // The gate compares whole seconds of HAProxy's clock: round up so a lease never ends early.
        return Math.max(1, (ttl.toMillis() + 999) / 1000);
    }

    /**
     * Renews by writing the whole pause again (as read, with the new expiry), not the expiry alone: if HAProxy
     * reloads between the read and the write, the write reaches the new worker, which then holds under the
     * same lease instead of taking a bare expiry (and the start hold's end) with no pause.
     */
    @Override
    public Status renew(String leaseId, Duration ttl) throws TargetException {
        GateState state = readState();
        requireLease(state, leaseId);
        Map<String, String> v = state.vars();
        List<String> assignments = new ArrayList<>();
        assignments.add(v.containsKey(SINCE) ? HaproxyRuntime.intVar(SINCE, state.number(SINCE, 0))
                : HaproxyRuntime.dateVar(SINCE, 0));
        assignments.addAll(holding(leaseId, HaproxyRuntime.textVar(HOLDER, v.get(HOLDER)),
                HaproxyRuntime.textVar(REASON, v.get(REASON)), ttlSeconds(ttl),
                HaproxyRuntime.textVar(SCOPE_METHODS, v.get(SCOPE_METHODS)),
                HaproxyRuntime.textVar(SCOPE_PATHS, v.get(SCOPE_PATHS)),
                HaproxyRuntime.textVar(SCOPE_HOSTS, v.get(SCOPE_HOSTS))));
        try {
            runtime.setVars(assignments);
        } catch (RuntimeApiException e) {
            throw failure("renew the pause of", e);
        }
        return status();
    }

    @Override
    public Status resume(String leaseId) throws TargetException {
        GateState state = readState();
        boolean expired = false;
        if (leaseId != null) {
            if (!state.flagSet() || !leaseId.equals(state.lease())) {
                throw new LeaseGoneException(who() + " holds no pause with lease " + leaseId
                        + (state.flagSet() ? " (it is paused by lease " + state.lease() + ")" : " (it is not paused)"));
            }
            expired = state.expired();
        }
        try {
            runtime.setVars(List.of(HaproxyRuntime.intVar(PAUSED, 0)));
        } catch (RuntimeApiException e) {
            throw failure("resume", e);
        }
        if (expired) {
            throw new LeaseGoneException("lease " + leaseId + " on " + who() + " expired at "
                    + Instant.ofEpochSecond(state.number(EXPIRES, 0)) + "; the gate had already stopped holding");
        }
        return status();
    }

    @Override
    public void intentRead() throws TargetException {
        try {
            runtime.setVars(List.of(HaproxyRuntime.intVar(READY, 1)));
        } catch (RuntimeApiException e) {
            throw failure("end the start hold of", e);
        }
    }

    private void requireLease(GateState state, String leaseId) throws LeaseGoneException {
        if (!state.flagSet() || !state.lease().equals(leaseId)) {
            throw new LeaseGoneException(who() + " holds no pause with lease " + leaseId
                    + (state.flagSet() ? " (it is paused by lease " + state.lease() + ")" : " (it is not paused)"));
        }
        if (state.expired()) {
            throw new LeaseGoneException("lease " + leaseId + " on " + who() + " expired at "
                    + Instant.ofEpochSecond(state.number(EXPIRES, 0)));
        }
    }
}
