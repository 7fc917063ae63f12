package io.pausectl.cli;

import io.pausectl.api.RecordWriter;
import io.pausectl.api.Status;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pausectl pause}: takes a lease on every target (all or none) and leaves traffic held; prints
 * the lease ids and how to resume. The lease ends by itself after {@code --ttl}.
 */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {PauseCommand.DESCRIPTION, PauseCommand.EXIT_CODES})
final class PauseCommand implements Callable<Integer> {
    // The texts of the help, shared with the model built in code for a pause call (CodedModel).
    static final String DESCRIPTION = "Pause traffic on every target (all or none) until 'pausectl resume', or until"
            + " the lease's --ttl runs out (then the proxy resumes by itself).";
    static final String EXIT_CODES = "Exit codes: 0 paused, 1 internal error, 2 usage (or a --ttl the targets cannot"
            + " hold), 3 could not pause (nothing stays paused), 4 already paused by another lease, 5 could not undo a"
            + " partial pause.";
    static final String TTL_DESCRIPTION = "How long the pause lasts unless resumed. Default: the targets' shortest"
            + " --queue-timeout (5m when none says it). Longer than a target's --max-pause is refused (exit 2); longer"
            + " than its --queue-timeout too, unless --allow-queue-timeout.";

    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    PauseOptions pause;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.Ttl.class,
            description = TTL_DESCRIPTION)
    Duration ttl;

    /** --ttl when not given and no target says its limits. */
    static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    /** The JSON answer of {@code pause -o json}. */
    record Paused(List<PausedTarget> targets, String resume) {
    }

    /** One target's lease. */
    record PausedTarget(String target, String lease, String state, Instant expiresAt, long inFlight) {
    }

    @Override
    public Integer call() {
        if (root.etcdFleet().isPresent()) {
            throw new ParameterException(spec.commandLine(), "pause with --etcd is not supported: use 'pausectl --etcd"
                    + " URL --fleet NAME run -- CMD' (the intent lives as long as the run)");
        }
        if (ttl != null && ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ParameterException(spec.commandLine(), "--ttl must be at least 1s");
        }
        try {
            pause.check();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        Messages messages = new Messages(spec.commandLine().getErr(), false);
        try (Fleet fleet = new Fleet(root.openTargets())) {
            TargetLimits limits = TargetLimits.read(fleet);
            if (ttl == null) {
                Duration maxPause = limits.maxPause().orElse(DEFAULT_TTL);
                Duration queueTimeout = limits.queueTimeout().orElse(maxPause);
                ttl = queueTimeout.compareTo(maxPause) <= 0 ? queueTimeout : maxPause;
            }
            String refusal = limits.refusal("--ttl", ttl, pause.allowQueueTimeout);
            if (refusal != null) {
                throw new ParameterException(spec.commandLine(), refusal + " (nothing was paused)");
            }
            String accepted = limits.accepted("--ttl", ttl);
            if (accepted != null) {
                messages.say(accepted);
            }
            PauseSpec pauseSpec;
            try {
                pauseSpec = new PauseSpec(reason(), root.context().holder(), ttl, pause.waitIdle, pause.scope());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            PauseWindow window = PauseWindow.open(fleet, pauseSpec, pause.allowInflight, messages,
                    "nothing stays paused");
            List<PausedTarget> paused = new ArrayList<>();
            StringBuilder resume = new StringBuilder("pausectl").append(root.targetArgs()).append(" resume");
            for (PauseWindow.Held h : window.held()) {
                Status s = h.last;
                paused.add(new PausedTarget(h.target.name(), h.leaseId, PauseWindow.stateOf(s),
                        s.lease() == null ? null : s.lease().expiresAt(), s.inFlightInScope()));
                resume.append(" --lease ").append(h.leaseId);
            }
            if (root.options().json()) {
                out.println(json(new Paused(paused, resume.toString())));
            } else {
                for (PausedTarget p : paused) {
                    out.println(p.target() + ": " + p.state() + ", lease " + p.lease()
                            + (p.expiresAt() == null ? "" : ", ends by itself at "
                            + p.expiresAt().truncatedTo(ChronoUnit.SECONDS) + " unless resumed")
                            + (p.inFlight() > 0 ? " (" + Formats.requests(p.inFlight()) + " still in flight)" : ""));
                }
                out.println("resume with: " + resume);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    private String reason() {
        return pause.reason != null ? pause.reason : "pausectl pause (ttl " + Durations.format(ttl) + ")";
    }

    /**
     * An answer as {@code -o json} prints it: as databind writes it, without loading databind (issue 12
     * item 7; {@code JsonOutputTest} checks every command's answer).
     */
    static String json(Object value) {
        return RecordWriter.write(value);
    }
}
