package io.pausectl.cli;

import io.pausectl.api.Lease;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pausectl resume}: ends the pause on every target, by lease or by force. A target that
 * cannot be resumed is named loudly and the exit code is 5.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {ResumeCommand.DESCRIPTION, ResumeCommand.EXIT_CODES})
final class ResumeCommand implements Callable<Integer> {
    // The texts of the help, shared with the model built in code for a resume call (CodedModel).
    static final String DESCRIPTION = "Resume traffic on every target: end the pause held by the given lease(s), or"
            + " (--force) whatever pause holds. Held requests are then released in order.";
    static final String EXIT_CODES = "Exit codes: 0 resumed (or was not paused), 1 internal error, 2 usage, 5 some"
            + " targets are still paused (named).";
    static final String LEASE_DESCRIPTION = "The lease printed by 'pausectl pause'; repeat for a fleet (each target"
            + " ends the one it holds).";
    static final String FORCE_DESCRIPTION = "End whatever pause holds, whoever holds it.";

    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    /** Which pause to end. */
    static final class Which {
        @Option(names = "--lease", paramLabel = "ID", required = true, description = LEASE_DESCRIPTION)
        List<String> leases;

        @Option(names = "--force", required = true, description = FORCE_DESCRIPTION)
        boolean force;
    }

    /** One target's answer, for {@code -o json}. */
    record Resumed(String target, boolean resumed, String state, int releasing, String note) {
    }

    /** The JSON answer of {@code resume -o json}. */
    record Answer(List<Resumed> targets) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        java.util.Optional<PausectlCommand.EtcdFleet> etcdFleet = root.etcdFleet();
        if (etcdFleet.isPresent()) {
            if (!which.force) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "with --etcd, resume takes --force"
                        + " (a run's intent goes with its pausectl; --force removes whatever intent holds the fleet)");
            }
            try {
                boolean removed = EtcdFleetWindow.removeAnyIntent(etcdFleet.get().etcd(), etcdFleet.get().keys());
                out.println("fleet " + etcdFleet.get().keys().fleet() + ": " + (removed ? "intent removed; every node"
                        + " resumes" : "no pause intent"));
                out.flush();
                return ExitCodes.OK;
            } catch (io.pausectl.fleet.EtcdException e) {
                throw new CliException(ExitCodes.NOT_RESUMED, "cannot remove the intent of fleet "
                        + etcdFleet.get().keys().fleet() + ": " + e.getMessage());
            }
        }
        try (Fleet fleet = new Fleet(root.openTargets())) {
            List<Fleet.Result<Resumed>> results = fleet.each(this::resumeOne);
            List<Resumed> answers = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (Fleet.Result<Resumed> result : results) {
                if (result.ok()) {
                    answers.add(result.value());
                } else {
                    answers.add(new Resumed(result.target().name(), false, null, 0, result.error().getMessage()));
                    failures.add(result.error().getMessage());
                }
            }
            if (root.options().json()) {
                out.println(PauseCommand.json(new Answer(answers)));
            } else {
                for (Resumed r : answers) {
                    if (r.resumed()) {
                        out.println(r.target() + ": " + r.note());
                    }
                }
            }
            out.flush();
            if (!failures.isEmpty()) {
                StringBuilder message = new StringBuilder("!!! COULD NOT RESUME: these targets may be STILL PAUSED !!!");
                failures.forEach(f -> message.append("\n  ").append(f));
                if (!which.force) {
                    message.append("\n  to end any pause on them: pausectl").append(root.targetArgs())
                            .append(" resume --force");
                }
                throw new CliException(ExitCodes.NOT_RESUMED, message.toString());
            }
            return ExitCodes.OK;
        }
    }

    private Resumed resumeOne(PauseTarget target) throws TargetException {
        if (which.force) {
            Status before = target.status();
            if (before.state() == PauseState.RUNNING && before.lease() == null) {
                return new Resumed(target.name(), true, PauseWindow.stateOf(before), 0, "not paused, nothing to resume");
            }
            return resumed(target, target.resume(null));
        }
        String lease = which.leases.size() == 1 ? which.leases.get(0) : null;
        if (lease == null) {
            // A fleet: each target holds its own lease; find which of those given it holds.
            Status status = target.status();
            Lease held = status.lease();
            if (held == null || status.state() == PauseState.RUNNING) {
                return new Resumed(target.name(), true, PauseWindow.stateOf(status), 0, "not paused, nothing to resume");
            }
            if (!which.leases.contains(held.id())) {
                throw heldByOther(target, held);
            }
            lease = held.id();
        }
        try {
            return resumed(target, target.resume(lease));
        } catch (LeaseGoneException e) {
            Status status = target.status();
            if (status.lease() != null && status.state() != PauseState.RUNNING) {
                throw heldByOther(target, status.lease());
            }
            return new Resumed(target.name(), true, PauseWindow.stateOf(status), status.queueDepth(),
                    "lease " + lease + " had already ended; not paused");
        }
    }

    private static TargetException heldByOther(PauseTarget target, Lease held) {
        return new TargetException(target.name() + ": paused by another lease, " + held.id() + " (holder "
                + held.holder() + ", reason \"" + held.reason() + "\"), not resumed");
    }

    private static Resumed resumed(PauseTarget target, Status status) {
        String note = status.state() == PauseState.DRAINING
                ? "resumed, releasing " + Formats.requests(status.queueDepth()) + " held"
                : "resumed (" + PauseWindow.stateOf(status) + ")";
        return new Resumed(target.name(), true, PauseWindow.stateOf(status), status.queueDepth(), note);
    }
}
