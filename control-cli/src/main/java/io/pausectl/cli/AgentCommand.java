package io.pausectl.cli;

import io.pausectl.cli.agent.FleetAgent;
import io.pausectl.cli.haproxy.HaproxyTargets;
import io.pausectl.cli.haproxy.RuntimeApiAddress;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.fleet.FleetKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pausectl agent}: runs beside one HAProxy and makes it a member of a fleet paused through etcd
 * ({@link FleetAgent}), until SIGINT or SIGTERM.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run beside one HAProxy and pause it with its fleet: follow the fleet's pause intent in etcd"
                + " (--etcd, --fleet), pause the HAProxy named by --haproxy/--frontend (the gate strategy, as"
                + " 'pausectl --haproxy' does) while the intent stands, and report paused/running as node --node, as"
                + " a pause-proxy started with --fleet does. 'pausectl --etcd URL --fleet NAME run' then pauses"
                + " pause proxies and HAProxies as one.",
                "The pause is renewed every third of the intent's ttl, only after a linearizable read of etcd still"
                        + " shows the intent: an agent cut off from etcd resumes its HAProxy by itself within"
                        + " ttl + ttl/3, and the gate's own lease ends the hold inside HAProxy if the agent dies."
                        + " At start the intent is read before anything else. Runs until SIGINT/SIGTERM, then"
                        + " resumes the HAProxy if it holds it and leaves the fleet.",
                "Exit codes: 0 stopped by a signal, 2 usage."})
final class AgentCommand implements Callable<Integer> {
    /** The longest one runtime API call may take: a stalled HAProxy must not stall the local deadline. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = "--node", paramLabel = "NAME",
            description = "This node's name in the fleet (a pod or host name; letters, digits, '.', '_', '-')."
                    + " Default: $PAUSECTL_NODE, else the host name.")
    String node;

    @Option(names = "--max-pause", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationConverter.Positive.class,
            description = "Hold the HAProxy for at most this long per intent, renewals included, whatever etcd says."
                    + " Default: 5m.")
    Duration maxPause;

    @Option(names = "--haproxy-master", paramLabel = "ADDR",
            description = "HAProxy's master CLI (master-worker mode, 'haproxy -W -S ADDR'; Debian binds"
                    + " unix:/run/haproxy-master.sock), so that after a reload the old worker keeps holding the"
                    + " requests it holds until the pause ends; without it they are released when the old"
                    + " worker's lease runs out (ttl + 1s after its last renewal), possibly mid-window.")
    String haproxyMaster;

    /** The environment variable naming this node for --node. */
    static final String ENV_NODE = "PAUSECTL_NODE";

    @Override
    @SuppressWarnings("try") // the signal registration is held while the agent runs, never read
    public Integer call() {
        PausectlCommand.EtcdFleet fleet = root.agentFleet();
        String name = node != null ? node : root.context().environment().get(ENV_NODE);
        if (name == null || name.isBlank()) {
            name = PausectlMain.hostName();
        }
        try {
            FleetKeys.checkName("node", name.strip());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--node: " + e.getMessage());
        }
        if (root.options().strategy != GlobalOptions.Strategy.gate) {
            // maxconn has no lease inside HAProxy: an agent killed mid-window would leave it paused for good.
            throw new ParameterException(spec.commandLine(), "agent drives the gate strategy only: with --strategy"
                    + " maxconn nothing inside HAProxy ends the pause if the agent dies (load"
                    + " deploy/haproxy/pause-gate.lua instead)");
        }
        if (haproxyMaster != null) {
            try {
                RuntimeApiAddress.parse(haproxyMaster);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--haproxy-master: " + e.getMessage(), e);
            }
        }
        List<PauseTarget> targets = new java.util.ArrayList<>(root.openTargets(CALL_TIMEOUT));
        if (haproxyMaster != null) {
            try {
                targets.set(0, HaproxyTargets.withOldWorkers(targets.get(0), haproxyMaster, CALL_TIMEOUT));
            } catch (IllegalArgumentException e) {
                targets.forEach(PauseTarget::close);
                throw new ParameterException(spec.commandLine(), "--haproxy-master: " + e.getMessage(), e);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        Messages messages = new Messages(err, false);
        FleetAgent agent = new FleetAgent(fleet.etcd(), fleet.keys(), name.strip(), targets.get(0), maxPause,
                root.context().holder(), messages::say);
        try (Signals.Registration ignored = root.context().signals().install(signal -> agent.stop())) {
            agent.run();
        } finally {
            targets.forEach(PauseTarget::close);
        }
        return ExitCodes.OK;
    }
}
