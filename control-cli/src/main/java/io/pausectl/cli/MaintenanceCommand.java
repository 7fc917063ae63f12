package io.pausectl.cli;

import io.pausectl.api.Maintenance;
import io.pausectl.api.MaintenanceRequest;
import io.pausectl.api.Status;
import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.PauseTarget;
import io.pausectl.cli.target.TargetException;
import io.pausectl.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pausectl maintenance on|off}: fail-fast maintenance mode on pause proxies (kamal-proxy's
 * {@code stop --message}, HAProxy's {@code disable frontend}): in-scope requests are answered 503
 * at once with a message and {@code Retry-After}, for windows longer than holding can cover. It is a
 * lease on each proxy: it ends by itself after {@code --ttl} unless renewed.
 */
@Command(name = "maintenance", mixinStandardHelpOptions = true,
        description = {"Maintenance mode on pause proxies: requests answered 503 at once with a message and"
                + " Retry-After, for windows longer than holding can cover. Apart from any pause."},
        subcommands = {MaintenanceCommand.On.class, MaintenanceCommand.Off.class})
final class MaintenanceCommand implements Runnable {
    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "say 'maintenance on --message TEXT' or 'maintenance off'");
    }

    /** The targets, each a pause proxy's admin API; HAProxy targets are a usage error. */
    static List<AdminApiTarget> adminTargets(PausectlCommand root, CommandSpec spec, String what) {
        if (!root.selection().haproxy().isEmpty()) {
            throw new ParameterException(spec.commandLine(), what + " needs pause-proxy targets (--target URL);"
                    + " HAProxy has its own: 'disable frontend', 'show sess', 'shutdown session'");
        }
        List<AdminApiTarget> admins = new ArrayList<>();
        for (PauseTarget t : root.openTargets()) {
            if (!(t instanceof AdminApiTarget)) {
                admins.forEach(AdminApiTarget::close);
                t.close();
                throw new ParameterException(spec.commandLine(), what + " needs pause-proxy targets (--target URL)");
            }
            admins.add((AdminApiTarget) t);
        }
        return admins;
    }

    /** One target's maintenance, for {@code -o json}. */
    record Answer(String target, boolean on, Maintenance maintenance, String note) {
    }

    @Command(name = "on", mixinStandardHelpOptions = true,
            description = {"Turn maintenance mode on on every target (all or none): requests in scope are answered"
                    + " 503 at once with --message and Retry-After, and requests held in scope are answered so too"
                    + " (never forwarded). A pause keeps holding what maintenance does not answer. It ends by"
                    + " itself after --ttl unless renewed (run again with --lease).",
                    "Exit codes: 0 on, 1 internal error, 2 usage, 3 could not turn it on everywhere (it was turned"
                            + " off where it had been turned on), 4 another maintenance is already on."})
    static final class On implements Callable<Integer> {
        @ParentCommand
        MaintenanceCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--message", paramLabel = "TEXT", required = true,
                description = "What clients are told (the 503's body), one line.")
        String message;

        @Option(names = "--retry-after", paramLabel = "DURATION", defaultValue = "60s",
                converter = DurationConverter.Positive.class,
                description = "The Retry-After clients are given, whole seconds up to 24h. Default: 60s.")
        Duration retryAfter;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.Ttl.class,
                description = "How long it stays on unless renewed; then the proxy turns it off by itself."
                        + " Default: 10m.")
        Duration ttl;

        @Option(names = "--lease", paramLabel = "ID",
                description = "Renew (and change) the maintenance this lease turned on instead of a conflict;"
                        + " repeat for a fleet.")
        List<String> leases = new ArrayList<>();

        @Option(names = "--scope-methods", paramLabel = "METHOD", split = ",",
                description = "Answer only these methods, e.g. POST,PUT,PATCH,DELETE (default: all).")
        List<String> methods = new ArrayList<>();

        @Option(names = "--scope-path", paramLabel = "PREFIX",
                description = "Answer only paths starting with PREFIX; repeatable (default: all).")
        List<String> pathPrefixes = new ArrayList<>();

        @Option(names = "--scope-host", paramLabel = "HOST",
                description = "Answer only requests for this host (without port); repeatable (default: all).")
        List<String> hosts = new ArrayList<>();

        @Override
        public Integer call() {
            MaintenanceRequest body = request(null);
            PausectlCommand root = parent.root;
            PrintWriter out = spec.commandLine().getOut();
            List<AdminApiTarget> targets = adminTargets(root, spec, "maintenance on");
            List<Answer> answers = new ArrayList<>();
            List<AdminApiTarget> turnedOn = new ArrayList<>();
            List<String> leasesOn = new ArrayList<>();
            try {
                for (AdminApiTarget target : targets) {
                    Status s;
                    try {
                        s = target.maintenanceOn(request(leaseFor(target)));
                    } catch (TargetException e) {
                        undo(turnedOn, leasesOn);
                        boolean conflict = e instanceof ConflictException;
                        String undone = turnedOn.isEmpty() ? "" : "; turned it off again on "
                                + turnedOn.stream().map(AdminApiTarget::name).toList();
                        throw new CliException(conflict ? ExitCodes.CONFLICT : ExitCodes.NOT_PAUSED,
                                "pausectl: could not turn maintenance on: " + e.getMessage() + undone);
                    }
                    turnedOn.add(target);
                    leasesOn.add(s.maintenance() == null ? null : s.maintenance().id());
                    answers.add(new Answer(target.name(), true, s.maintenance(), null));
                }
            } finally {
                targets.forEach(AdminApiTarget::close);
            }
            if (root.options().json()) {
                out.println(PauseCommand.json(answers));
            } else {
                StringBuilder off = new StringBuilder("pausectl").append(root.targetArgs()).append(" maintenance off");
                for (Answer a : answers) {
                    Maintenance m = a.maintenance();
                    out.println(a.target() + ": maintenance on, lease " + m.id() + ", answering 503 \""
                            + m.message() + "\" with Retry-After " + m.retryAfterSeconds() + "s; ends by itself at "
                            + m.expiresAt().truncatedTo(ChronoUnit.SECONDS) + " unless renewed");
                }
                out.println("turn it off with: " + off);
            }
            out.flush();
            return ExitCodes.OK;
        }

        private String leaseFor(AdminApiTarget target) throws TargetException {
            if (leases.isEmpty()) {
                return null;
            }
            if (leases.size() == 1) {
                return leases.get(0);
            }
            Maintenance m = target.status().maintenance();
            return m != null && leases.contains(m.id()) ? m.id() : leases.get(0);
        }

        /** The body; checked as the proxy will check it, so that a bad value is a usage error (exit 2). */
        private MaintenanceRequest request(String lease) {
            PauseOptions scope = new PauseOptions();
            scope.methods = methods;
            scope.pathPrefixes = pathPrefixes;
            scope.hosts = hosts;
            try {
                MaintenanceRequest body = new MaintenanceRequest(message, Durations.format(retryAfter),
                        Durations.format(ttl), parent.root.context().holder(), scope.scope(), lease);
                return io.pausectl.api.AdminRequests.check(body);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage()
                        .replace("'message'", "--message").replace("'retryAfter'", "--retry-after")
                        .replace("'ttl'", "--ttl"));
            }
        }

        private static void undo(List<AdminApiTarget> turnedOn, List<String> leases) {
            for (int i = 0; i < turnedOn.size(); i++) {
                try {
                    turnedOn.get(i).maintenanceOff(leases.get(i));
                } catch (TargetException e) {
                    // Its lease ends it by itself; said in the message the caller prints.
                }
            }
        }
    }

    @Command(name = "off", mixinStandardHelpOptions = true,
            description = {"Turn maintenance mode off on every target (whichever is on, or only --lease's)."
                    + " A pause is left as it is.",
                    "Exit codes: 0 off (or was not on), 1 internal error, 2 usage, 5 some targets could not be"
                            + " turned off (named)."})
    static final class Off implements Callable<Integer> {
        @ParentCommand
        MaintenanceCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--lease", paramLabel = "ID",
                description = "Turn off only the maintenance this lease turned on; repeat for a fleet.")
        List<String> leases = new ArrayList<>();

        @Override
        public Integer call() {
            PausectlCommand root = parent.root;
            PrintWriter out = spec.commandLine().getOut();
            List<AdminApiTarget> targets = adminTargets(root, spec, "maintenance off");
            List<Answer> answers = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            try {
                for (AdminApiTarget target : targets) {
                    try {
                        Maintenance before = target.status().maintenance();
                        if (before == null) {
                            answers.add(new Answer(target.name(), false, null, "maintenance was not on"));
                            continue;
                        }
                        String lease = null;
                        if (!leases.isEmpty()) {
                            if (!leases.contains(before.id())) {
                                throw new TargetException(target.name() + ": maintenance is on under another lease, "
                                        + before.id() + " (holder " + before.holder() + "), not turned off");
                            }
                            lease = before.id();
                        }
                        target.maintenanceOff(lease);
                        answers.add(new Answer(target.name(), false, null, "maintenance off"));
                    } catch (LeaseGoneException e) {
                        answers.add(new Answer(target.name(), false, null, "maintenance had already ended"));
                    } catch (TargetException e) {
                        failures.add(e.getMessage());
                        answers.add(new Answer(target.name(), true, null, e.getMessage()));
                    }
                }
            } finally {
                targets.forEach(AdminApiTarget::close);
            }
            if (root.options().json()) {
                out.println(PauseCommand.json(answers));
            } else {
                answers.stream().filter(a -> !a.on()).forEach(a -> out.println(a.target() + ": " + a.note()));
            }
            out.flush();
            if (!failures.isEmpty()) {
                StringBuilder message = new StringBuilder("!!! COULD NOT TURN MAINTENANCE OFF: these targets may"
                        + " still answer 503 !!!");
                failures.forEach(f -> message.append("\n  ").append(f));
                throw new CliException(ExitCodes.NOT_RESUMED, message.toString());
            }
            return ExitCodes.OK;
        }
    }
}
