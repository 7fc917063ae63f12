package io.pausectl.cli;

import io.pausectl.api.AdminRequests;
import io.pausectl.api.HeldList;
import io.pausectl.api.HeldRequest;
import io.pausectl.cli.target.LeaseGoneException;
import io.pausectl.cli.target.TargetException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pausectl held [--limit N]} lists the requests each pause proxy holds (HAProxy's
 * {@code show sess}, PgBouncer's {@code SHOW CLIENTS}); {@code pausectl held cancel ID} answers one
 * of them 503, never forwarded (HAProxy's {@code shutdown session}, PgBouncer's {@code KILL}).
 */
@Command(name = "held", mixinStandardHelpOptions = true,
        description = {"List the requests each target holds now, oldest first: id, age, method, host, path (without"
                + " its query), client.",
                "Exit codes: 0 listed, 1 a target could not be read (the others are listed), 2 usage."},
        subcommands = HeldCommand.Cancel.class)
final class HeldCommand implements Callable<Integer> {
    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "List at most N per target (1 to 10000). Default: 100.")
    int limit;

    /** One target's list, for {@code -o json}. */
    record Listed(String target, int total, List<HeldRequest> held, String error) {
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > AdminRequests.MAX_HELD_LIMIT) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 to " + AdminRequests.MAX_HELD_LIMIT
                    + ", not " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<AdminApiTarget> targets = MaintenanceCommand.adminTargets(root, spec, "held");
        List<Listed> lists = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            for (AdminApiTarget target : targets) {
                try {
                    HeldList list = target.held(limit);
                    lists.add(new Listed(target.name(), list.total(), list.held(), null));
                } catch (TargetException e) {
                    failures.add(e.getMessage());
                    lists.add(new Listed(target.name(), 0, List.of(), e.getMessage()));
                }
            }
        } finally {
            targets.forEach(AdminApiTarget::close);
        }
        if (root.options().json()) {
            out.println(PauseCommand.json(lists));
        } else {
            for (Listed l : lists) {
                if (l.error() != null) {
                    continue;
                }
                out.println(l.target() + ": " + Formats.requests(l.total()) + " held"
                        + (l.held().size() < l.total() ? " (the oldest " + l.held().size() + " shown)" : ""));
                if (!l.held().isEmpty()) {
                    out.println(String.format("  %-8s %8s  %-7s %-20s %-30s %s", "ID", "AGE", "METHOD", "HOST",
                            "PATH", "CLIENT"));
                }
                for (HeldRequest r : l.held()) {
                    out.println(String.format("  %-8d %8s  %-7s %-20s %-30s %s", r.id(),
                            Formats.millis(r.ageMs()), r.method(),
                            r.host().isEmpty() ? "-" : r.host(), r.path(), r.client()));
                }
            }
        }
        out.flush();
        if (!failures.isEmpty()) {
            throw new CliException(ExitCodes.ERROR, String.join("\n", failures));
        }
        return ExitCodes.OK;
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = {"Answer the held request ID (from 'pausectl held') 503 with Retry-After and take it out"
                    + " of the queue: it is never forwarded, so its client may retry. Needs exactly one target"
                    + " (ids are per proxy).",
                    "Exit codes: 0 cancelled, 1 not held any more (released, timed out, gone) or internal error,"
                            + " 2 usage."})
    static final class Cancel implements Callable<Integer> {
        @ParentCommand
        HeldCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The held request's id, as 'pausectl held' lists it.")
        long id;

        @Override
        public Integer call() {
            if (id < 1) {
                throw new ParameterException(spec.commandLine(), "ID must be a held request's id (1 or more), not " + id);
            }
            PrintWriter out = spec.commandLine().getOut();
            List<AdminApiTarget> targets = MaintenanceCommand.adminTargets(parent.root, spec, "held cancel");
            try {
                if (targets.size() != 1) {
                    throw new ParameterException(spec.commandLine(), "held cancel needs exactly one --target (ids are"
                            + " per proxy); " + targets.size() + " given");
                }
                AdminApiTarget target = targets.get(0);
                HeldRequest r;
                try {
                    r = target.cancelHeld(id);
                } catch (LeaseGoneException e) {
                    throw new CliException(ExitCodes.ERROR, target.name() + ": request " + id + " is not held (any"
                            + " more): released, timed out, cancelled, or its client left; nothing was changed");
                } catch (TargetException e) {
                    throw new CliException(ExitCodes.ERROR, e.getMessage());
                }
                if (parent.root.options().json()) {
                    out.println(PauseCommand.json(r));
                } else {
                    out.println(target.name() + ": cancelled held request " + r.id() + " (" + r.method() + " "
                            + r.path() + " from " + r.client() + ", held " + Formats.millis(r.ageMs())
                            + "): answered 503, never forwarded");
                }
                out.flush();
                return ExitCodes.OK;
            } finally {
                targets.forEach(AdminApiTarget::close);
            }
        }
    }
}
