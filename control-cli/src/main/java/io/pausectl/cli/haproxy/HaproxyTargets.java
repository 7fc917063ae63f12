package io.pausectl.cli.haproxy;

import io.pausectl.cli.target.PauseTarget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the HAProxy targets named by {@code --haproxy}, {@code --frontend} and {@code --strategy}.
 *
 * <p>Strategies: {@code gate} (default) holds requests, keep-alive ones included, with
 * {@code deploy/haproxy/pause-gate.lua}; {@code maxconn} sets the frontends' maxconn to 0 and
 * restores the saved value, holding only new connections (keep-alive connections are NOT held),
 * and is refused on HAProxy versions that crash when maxconn is raised again.
 */
public final class HaproxyTargets {
    /**
     * Help text for {@code --strategy}, a constant so that a Picocli {@code description} can use it.
     */
    public static final String STRATEGY_DESCRIPTION = "how to pause HAProxy: 'gate' (default) holds every request,"
            + " keep-alive ones included, with deploy/haproxy/pause-gate.lua (loaded by lua-load, used as"
            + " 'http-request lua.pause_gate'); the gate stops holding by itself when the lease expires and answers"
            + " 503 with Retry-After past its hold limit. 'maxconn' sets the frontend's maxconn to 0 and restores the"
            + " saved value on resume: only NEW connections wait (in the kernel's accept queue); requests on"
            + " keep-alive connections already open are NOT held, nothing counts the waiting connections, and"
            + " nothing ends the pause if pausectl dies before 'pausectl resume'. maxconn is refused on HAProxy"
            + " versions that crash when maxconn is raised again (haproxy/haproxy#2726: 2.4.24-2.4.27, 2.5,"
            + " 2.6.6-2.6.19, 2.7, 2.8.0-2.8.11, 2.9, 3.0.0-3.0.5).";

    /** The strategies, as written on the command line. */
    public static final List<String> STRATEGIES = List.of("gate", "maxconn");

    private HaproxyTargets() {
    }

    /**
     * @param addresses {@code unix:/path/admin.sock} or {@code tcp://host:port}, one per HAProxy
     * @param frontend  the frontend to pause; several may be given comma-separated
     * @param strategy  {@code gate} or {@code maxconn}
     * @param timeout   connect and read timeout of one runtime API command
     * @throws IllegalArgumentException for a malformed address or an unknown strategy
     */
    public static List<PauseTarget> open(List<String> addresses, String frontend, String strategy, Duration timeout) {
        if (addresses == null || addresses.isEmpty()) {
            throw new IllegalArgumentException("name at least one HAProxy runtime API with --haproxy"
                    + " (unix:/path/admin.sock or tcp://host:port)");
        }
        List<String> frontends = new ArrayList<>();
        if (frontend != null) {
            for (String f : frontend.split(",")) {
                if (!f.isBlank()) {
                    frontends.add(f.strip());
                }
            }
        }
        if (frontends.isEmpty()) {
            throw new IllegalArgumentException("--frontend is required with --haproxy: the HAProxy frontend to pause");
        }
        String s = strategy == null ? "gate" : strategy.strip().toLowerCase(Locale.ROOT);
        if (!STRATEGIES.contains(s)) {
            throw new IllegalArgumentException("unknown --strategy '" + strategy + "': use gate or maxconn");
        }
        List<RuntimeApiAddress> parsed = new ArrayList<>();
        for (String a : addresses) {
            parsed.add(RuntimeApiAddress.parse(a));
        }
        List<PauseTarget> targets = new ArrayList<>();
        for (RuntimeApiAddress address : parsed) {
            HaproxyRuntime runtime = new HaproxyRuntime(new RuntimeApiClient(address, timeout));
            targets.add(s.equals("gate") ? new GateTarget(runtime, frontends) : new MaxconnTarget(runtime, frontends));
        }
        return targets;
    }

    /**
     * The gate target {@code gate} (opened by {@link #open} with the gate strategy), which also carries its
     * pause over to the HAProxy's old workers through the master CLI at {@code masterAddress}
     * ({@link PauseTarget#carryOver}): after a reload, the requests the old worker holds stay held until the
     * pause ends, instead of being released when its last lease runs out.
     *
     * @throws IllegalArgumentException for a malformed address, or a target that is not a gate
     */
    public static PauseTarget withOldWorkers(PauseTarget gate, String masterAddress, Duration timeout) {
        RuntimeApiAddress address = RuntimeApiAddress.parse(masterAddress);
        if (!(gate instanceof GateTarget)) {
            throw new IllegalArgumentException("only the gate strategy can follow old workers: " + gate.name());
        }
        return new OldWorkers(gate, new MasterCli(new RuntimeApiClient(address, timeout)));
    }
}
