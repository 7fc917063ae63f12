package io.pausectl.cli;

import io.pausectl.api.Counters;
import io.pausectl.api.Lease;
import io.pausectl.api.Maintenance;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.common.ByteSizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code pausectl status}: each target's state, what it holds, its lease and its totals; with
 * {@code --watch}, one line per target every {@code --interval}.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show each target's state, held requests, in-flight requests, lease and totals.",
                "Exit codes: 0 every target answered, 1 some target could not be read, 2 usage."})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-w", "--watch"}, description = "Refresh every --interval, one line per target (JSON: one"
            + " object per line), until interrupted or --count refreshes.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "With --watch: time between refreshes. Default: 1s.")
    Duration interval;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "With --watch: stop after N refreshes (default: never).")
    int count;

    /**
     * One target's status, or why it could not be read ({@code error}, and {@code failure}: {@code
     * UNREACHABLE}, {@code TOKEN REFUSED} or {@code FAILED}); the JSON of {@code status -o json}.
     */
    record TargetStatus(String target, Status status, String error, String failure) {
    }

    /** The JSON answer of {@code status -o json}: the time it was read and every target. */
    record Answer(Instant time, List<TargetStatus> targets) {
    }

    @Override
    public Integer call() throws InterruptedException {
        Optional<PausectlCommand.EtcdFleet> etcdFleet = root.etcdFleet();
        if (etcdFleet.isPresent()) {
            try {
                PrintWriter fleetOut = spec.commandLine().getOut();
                EtcdFleetWindow.statusLines(etcdFleet.get().etcd(), etcdFleet.get().keys()).forEach(fleetOut::println);
                fleetOut.flush();
                return ExitCodes.OK;
            } catch (io.pausectl.fleet.EtcdException e) {
                throw new CliException(ExitCodes.ERROR, "cannot read fleet " + etcdFleet.get().keys().fleet()
                        + " from etcd: " + e.getMessage());
            }
        }
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new ParameterException(spec.commandLine(), "--interval must be at least 100ms");
        }
        if (count < 0) {
            throw new ParameterException(spec.commandLine(), "--count must be 0 (forever) or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Fleet fleet = new Fleet(root.openTargets())) {
            if (!watch) {
                Answer answer = read(fleet);
                if (root.options().json()) {
                    out.println(PauseCommand.json(answer));
                } else {
                    answer.targets().forEach(t -> block(out, t, answer.time()));
                }
                out.flush();
                return answer.targets().stream().anyMatch(t -> t.error() != null) ? ExitCodes.ERROR : ExitCodes.OK;
            }
            for (int n = 1; count == 0 || n <= count; n++) {
                long started = System.nanoTime();
                Answer answer = read(fleet);
                if (root.options().json()) {
                    out.println(PauseCommand.json(answer));
                } else {
                    String time = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
                    answer.targets().forEach(t -> out.println(time + "  " + line(t)));
                }
                out.flush();
                if (count != 0 && n == count) {
                    break;
                }
                long leftNanos = interval.toNanos() - (System.nanoTime() - started);
                if (leftNanos > 0) {
                    Thread.sleep(leftNanos / 1_000_000, (int) (leftNanos % 1_000_000));
                }
            }
            return ExitCodes.OK;
        }
    }

    private static Answer read(Fleet fleet) {
        List<TargetStatus> targets = new ArrayList<>();
        for (Fleet.Result<Status> r : fleet.each(PauseTarget::status)) {
            targets.add(new TargetStatus(r.target().name(), r.value(), r.ok() ? null : r.error().getMessage(),
                    r.ok() ? null : r.error().kind().label()));
        }
        return new Answer(Instant.now(), targets);
    }

    /** The watch line: the figures that move. */
    static String line(TargetStatus t) {
        Status s = t.status();
        if (s == null) {
            return t.target() + "  " + t.failure() + ": " + t.error();
        }
        Lease lease = s.lease();
        return t.target() + "  " + PauseWindow.stateOf(s) + (s.maintenance() == null ? "" : "  maintenance on")
                + "  held " + Formats.held(s.queueDepth()) + "  oldest "
                + Formats.millis(s.oldestHeldMs()) + "  in flight " + s.inFlight() + "  max depth "
                + Formats.held(s.maxQueueDepth()) + (s.counters() == null ? "" : "  released " + s.counters().released()
                + "  timed out " + s.counters().timedOut() + "  rejected " + s.counters().rejected())
                + (lease == null ? "" : "  lease " + lease.id() + " by " + lease.holder()
                + (lease.expiresAt() == null ? "" : " ends in "
                + Formats.millis(Duration.between(Instant.now(), lease.expiresAt()).toMillis())));
    }

    private static void block(PrintWriter out, TargetStatus t, Instant now) {
        Status s = t.status();
        if (s == null) {
            out.println(t.target() + ": " + t.failure());
            out.println("  " + t.error());
            return;
        }
        out.println(t.target() + ": " + PauseWindow.stateOf(s));
        if (s.queueDepth() < 0 || s.maxQueueDepth() < 0) {
            out.println("  held now      not counted: new connections wait in the kernel's accept queue,"
                    + " which HAProxy does not count (maxconn strategy)");
        } else {
            out.println("  held now      " + s.queueDepth() + (s.queueDepth() == 0 ? "" : " (oldest "
                    + Formats.millis(s.oldestHeldMs()) + ", " + ByteSizes.format(s.queuedBytes()) + ")")
                    + ", max depth " + s.maxQueueDepth() + " in the current or last pause");
        }
        out.println("  in flight     " + s.inFlight() + " (" + s.inFlightInScope() + " in the pause's scope)");
        Lease lease = s.lease();
        if (lease != null) {
            out.println("  lease         " + lease.id() + " held by " + lease.holder()
                    + (lease.reason() == null ? "" : ", reason \"" + lease.reason() + "\""));
            if (lease.expiresAt() != null) {
                out.println("  ends          " + lease.expiresAt().truncatedTo(ChronoUnit.SECONDS) + " (in "
                        + Formats.millis(Duration.between(now, lease.expiresAt()).toMillis()) + ") unless renewed");
            }
            if (scoped(lease.scope())) {
                out.println("  scope         " + scope(lease.scope()));
            }
        }
        Maintenance m = s.maintenance();
        if (m != null) {
            out.println("  maintenance   on, lease " + m.id() + " held by " + m.holder() + ": answering 503 \""
                    + m.message() + "\" with Retry-After " + m.retryAfterSeconds() + "s");
            if (m.expiresAt() != null) {
                out.println("                ends " + m.expiresAt().truncatedTo(ChronoUnit.SECONDS) + " (in "
                        + Formats.millis(Duration.between(now, m.expiresAt()).toMillis()) + ") unless renewed"
                        + (scoped(m.scope()) ? "; scope " + scope(m.scope()) : ""));
            }
        }
        if (s.pausedSince() != null) {
            out.println("  paused since  " + s.pausedSince().truncatedTo(ChronoUnit.SECONDS) + " ("
                    + Formats.millis(Duration.between(s.pausedSince(), now).toMillis()) + " ago)");
        }
        Counters c = s.counters();
        if (c != null) {
            // Every outcome of a held request (they add up to held, less those held now), then the
            // requests answered at once without being held.
            out.println("  totals        held " + c.held() + ": released " + c.released() + ", timed out "
                    + c.timedOut() + ", client gone " + c.clientGone() + ", cancelled " + c.cancelled()
                    + ", maintenance " + c.maintenance() + ", shutdown " + c.shutdown());
            out.println("                answered at once: rejected " + c.rejected() + ", maintenance "
                    + c.maintenanceAnswered() + "; pauses " + c.pausesResumed() + " resumed, " + c.pausesExpired()
                    + " expired");
        }
    }

    private static boolean scoped(Scope scope) {
        return scope != null && !(scope.methods().isEmpty() && scope.pathPrefixes().isEmpty() && scope.hosts().isEmpty());
    }

    private static String scope(Scope scope) {
        return "methods " + orAll(scope.methods()) + ", paths " + orAll(scope.pathPrefixes()) + ", hosts "
                + orAll(scope.hosts());
    }

    private static String orAll(List<String> values) {
        return values.isEmpty() ? "all" : String.join(",", values);
    }
}
