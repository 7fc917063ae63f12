package io.pausectl.cli;

import io.pausectl.cli.postgres.DatabaseWindow;
import io.pausectl.cli.target.PauseSpec;
import io.pausectl.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * {@code pausectl run -- CMD}: pauses every target (all or none, in parallel), waits until nothing is
 * in flight, runs the command on the terminal, renews the leases while it runs, and resumes every
 * target when it ends, whatever ended it. Exits with the command's own code, or 5 when a target could
 * not be resumed.
 *
 * <p>Signals: SIGTERM and SIGHUP are forwarded to the command as SIGTERM (SIGKILL after
 * {@code --kill-after}). SIGINT is not forwarded at once, since a terminal's Ctrl-C already reached the
 * command (same process group): if the command still runs a second later it gets SIGINT; a second
 * SIGINT sends SIGTERM. A signal goes to every process of the command ({@link CommandProcesses}: a
 * {@code sh -c} and what it started), and traffic is resumed once all of them have ended, or at
 * {@code --max-pause}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Pause every target, wait until nothing is in flight, run CMD with the terminal's stdin,"
                + " stdout and stderr, and resume every target when it exits (or fails, or pausectl gets"
                + " SIGINT/SIGTERM, forwarded to CMD first).",
                "Traffic stays paused while any process CMD started still runs, even one whose parent has exited"
                        + " (a job left in the background: on Linux pausectl adopts such orphans), unless it"
                        + " detached into a session of its own (setsid, a daemon); signals reach them all.",
                "Progress and the summary go to stderr; with -o json the summary is printed as JSON on stdout"
                        + " after CMD exits.",
                "Exit code: CMD's own once it ran; 3 could not pause (CMD not run); 4 another lease holds a pause"
                        + " (CMD not run); 5 could not resume (named targets STILL PAUSED, wins over CMD's code);"
                        + " 127 CMD not found (nothing paused); 126 CMD not executable.", ""})
final class RunCommand implements Callable<Integer> {
    private static final Duration SETTLE = Duration.ofSeconds(10);
    /** --ttl when not given, unless a target's max-pause is shorter. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    /** --max-pause when not given and no target says its queue timeout. */
    static final Duration DEFAULT_MAX_PAUSE = Duration.ofSeconds(60);
    private static final long LOCK_POLL_MS = 500;

    @ParentCommand
    PausectlCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    PauseOptions pause;

    @Mixin
    PostgresOptions postgres;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.Ttl.class,
            description = "Lease time to live, renewed every third of it while CMD runs: if pausectl dies, traffic"
                    + " resumes by itself within this. Default: 30s (or a target's shorter --max-pause); longer"
                    + " than a target's --max-pause is refused (exit 2).")
    Duration ttl;

    @Option(names = "--max-pause", paramLabel = "DURATION", converter = DurationConverter.Positive.class,
            description = "Resume traffic after this long even if CMD still runs (said loudly). Default: the"
                    + " targets' shortest --queue-timeout (60s when none says it); longer than a target's"
                    + " --queue-timeout is refused (exit 2) unless --allow-queue-timeout.")
    Duration maxPause;

    @Option(names = "--kill-after", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.Positive.class,
            description = "After forwarding SIGTERM to CMD, SIGKILL it if still running after this. Default: 10s.")
    Duration killAfter;

    @Option(names = "--min-members", paramLabel = "N", defaultValue = "1",
            description = "With --etcd: at least N nodes of the fleet must report paused before CMD runs (exit 3"
                    + " otherwise). Default: 1.")
    int minMembers;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command;

    private final AtomicReference<CommandProcesses> child = new AtomicReference<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicInteger interrupts = new AtomicInteger();
    /** The first SIGINT/SIGTERM/SIGHUP's name once one came while the command ran. */
    private final AtomicReference<String> interruptedBy = new AtomicReference<>();
    private DatabaseWindow database;
    private Messages messages;
    /** pausectl as the reaper of the command's orphans while {@code run} runs, or null where it cannot be one. */
    private Subreaper subreaper;

    @Override
    public Integer call() {
        validate();
        try {
            pause.check();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String unrunnable = unrunnable(command.get(0));
        if (unrunnable != null) {
            throw new CliException(unrunnable.endsWith("not found") ? ExitCodes.COMMAND_NOT_FOUND
                    : ExitCodes.COMMAND_NOT_EXECUTABLE, "cannot run '" + command.get(0) + "': " + unrunnable
                    + " (nothing was paused)");
        }
        messages = new Messages(spec.commandLine().getErr(), root.context().stderrIsTerminal());
        // Before anything is paused: loading the native library takes a moment.
        subreaper = adoptOrphans();
        try {
            java.util.Optional<PausectlCommand.EtcdFleet> etcdFleet = root.etcdFleet();
            if (etcdFleet.isPresent()) {
                return fleetRun(etcdFleet.get());
            }
            return pauseAndRun();
        } finally {
            if (subreaper != null) {
                subreaper.disable();
            }
        }
    }

    /**
     * Makes pausectl the reaper of the command's orphans ({@link CommandProcesses}), or says once why it
     * cannot be one here.
     */
    private Subreaper adoptOrphans() {
        StringBuilder why = new StringBuilder();
        Subreaper adopting = Subreaper.enable(why);
        if (adopting == null) {
            messages.say("note: pausectl cannot adopt the command's orphaned processes here (" + why + "): one"
                    + " whose parent exits before a snapshot (every " + CommandProcesses.REFRESH_EVERY_MS
                    + " ms) saw it is not waited for");
        }
        return adopting;
    }

    @SuppressWarnings("try") // the signal registration is held for the window, never read
    private int pauseAndRun() {
        // The pre-flight check runs before anything is paused.
        database = postgres.open(spec, root.context().environment(), messages);
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "pausectl-run");
            t.setDaemon(true);
            return t;
        });
        try (Fleet fleet = new Fleet(root.openTargets());
             Signals.Registration ignored = root.context().signals().install(this::onSignal)) {
            fitLimits(TargetLimits.read(fleet));
            PauseSpec pauseSpec;
            try {
                pauseSpec = new PauseSpec(reason(), root.context().holder(), ttl, pause.waitIdle, pause.scope());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return window(fleet, pauseSpec, timers);
        } finally {
            timers.shutdownNow();
            messages.endLive();
            if (database != null) {
                database.close();
            }
        }
    }

    private void validate() {
        if (ttl != null && ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ParameterException(spec.commandLine(), "--ttl must be at least 1s");
        }
        if (maxPause != null && maxPause.isZero()) {
            throw new ParameterException(spec.commandLine(), "--max-pause must be more than 0");
        }
    }

    /**
     * Fills in {@code --ttl} and {@code --max-pause} from the targets' limits when they were not given, and
     * refuses (exit 2, nothing paused) a window the targets cannot hold whole: a ttl past a target's
     * max-pause, or a max-pause past a target's queue timeout unless {@code --allow-queue-timeout}.
     */
    private void fitLimits(TargetLimits limits) {
        if (maxPause == null) {
            maxPause = shortest(limits.queueTimeout().orElse(DEFAULT_MAX_PAUSE),
                    limits.maxPause().orElse(DEFAULT_MAX_PAUSE));
        }
        if (ttl == null) {
            ttl = shortest(DEFAULT_TTL, limits.maxPause().orElse(DEFAULT_TTL));
        }
        String refusal = limits.refusal("--ttl", ttl, true);
        if (refusal == null) {
            refusal = limits.refusal("--max-pause", maxPause, pause.allowQueueTimeout);
        }
        if (refusal != null) {
            throw new ParameterException(spec.commandLine(), refusal + " (nothing was paused)");
        }
        String accepted = limits.accepted("--max-pause", maxPause);
        if (accepted != null) {
            messages.say(accepted);
        }
    }

    private static Duration shortest(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private int window(Fleet fleet, PauseSpec pauseSpec, ScheduledExecutorService timers) {
        PauseWindow window = PauseWindow.open(fleet, pauseSpec, pause.allowInflight, messages,
                "the command was NOT run");
        long pausedAt = System.nanoTime();
        if (cancelled.get()) {
            throw undoneBeforeStart(window);
        }
        messages.say("paused " + window.held().stream().map(h -> h.target.name() + " (lease " + h.leaseId + ")")
                .collect(Collectors.joining(", ")) + "; running: " + String.join(" ", command)
                + " (traffic resumes after --max-pause " + Durations.format(maxPause) + " at the latest)");

        long renewMs = Math.max(100, ttl.toMillis() / 3);
        List<ScheduledFuture<?>> tasks = new ArrayList<>();
        tasks.add(timers.scheduleWithFixedDelay(() -> window.renew(ttl), renewMs, renewMs, TimeUnit.MILLISECONDS));
        AtomicBoolean maxPauseReached = new AtomicBoolean();
        AtomicBoolean commandEnded = new AtomicBoolean();
        tasks.add(timers.schedule(() -> {
            if (window.resume()) {
                maxPauseReached.set(true);
                messages.endLive();
                messages.say("!!! --max-pause " + Durations.format(maxPause) + " reached: traffic RESUMED while "
                        + (commandEnded.get() ? "the migration's database sessions STILL HOLD LOCKS"
                        : "the command is STILL RUNNING" + pidOf()) + " !!!");
                if (!window.stillPaused().isEmpty()) {
                    messages.say(window.stillPausedMessage());
                }
            }
        }, maxPause.toMillis(), TimeUnit.MILLISECONDS));
        ScheduledFuture<?> lockWaits = null;
        if (database != null) {
            lockWaits = timers.scheduleWithFixedDelay(() -> database.pollLockWaits(messages::say), 0,
                    LOCK_POLL_MS, TimeUnit.MILLISECONDS);
        }
        PauseFeedback feedback = new PauseFeedback(window, messages, pausedAt,
                database == null ? () -> "" : database::liveText);
        tasks.add(timers.scheduleWithFixedDelay(() -> {
            if (!maxPauseReached.get()) {
                feedback.run();
            }
        }, feedback.periodMs(), feedback.periodMs(), TimeUnit.MILLISECONDS));

        Integer exitCode;
        int code;
        messages.startLive();
        try {
            CommandProcesses process = startUnlessCancelled();
            if (process == null) {
                tasks.forEach(t -> t.cancel(false));
                if (lockWaits != null) {
                    lockWaits.cancel(false);
                }
                messages.endLive();
                throw undoneBeforeStart(window);
            }
            tasks.add(timers.scheduleWithFixedDelay(process::refresh, 0, CommandProcesses.REFRESH_EVERY_MS,
                    TimeUnit.MILLISECONDS));
            exitCode = awaitCommand(process, maxPauseReached);
            code = exitCode;
        } catch (IOException e) {
            exitCode = null;
            code = e.getMessage() != null && e.getMessage().contains("error=13")
                    ? ExitCodes.COMMAND_NOT_EXECUTABLE : ExitCodes.COMMAND_NOT_FOUND;
            messages.endLive();
            messages.say("could not start '" + command.get(0) + "': " + e.getMessage() + "; resuming");
        }
        commandEnded.set(true);
        if (lockWaits != null) {
            lockWaits.cancel(false);
        }
        if (database != null && exitCode != null && !maxPauseReached.get()) {
            // The command has exited; its server-side work may still run or roll back, holding its locks.
            database.awaitRelease(interruptedBy.get() != null, pausedAt + maxPause.toNanos(), maxPauseReached::get,
                    messages::say, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt));
        }
        tasks.forEach(t -> t.cancel(false));
        feedback.close();
        messages.endLive();
        window.resume();
        window.settle(SETTLE);
        WindowSummary summary = WindowSummary.of(window, command, exitCode, maxPauseReached.get(),
                database == null ? null : database.summary());
        summary.textLines().forEach(messages::say);
        if (root.options().json()) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(PauseCommand.json(summary));
            out.flush();
        }
        if (!window.stillPaused().isEmpty()) {
            throw new CliException(ExitCodes.NOT_RESUMED, window.stillPausedMessage() + "\n  (the command "
                    + (exitCode == null ? "did not start" : "exited with code " + exitCode) + ")");
        }
        if (exitCode != null && exitCode != 0) {
            messages.say("the command exited with code " + exitCode);
        }
        return code;
    }

    /**
     * The window over a fleet that follows an intent in etcd ({@link EtcdFleetWindow}): write the
     * intent, wait for every node to report paused, run the command, remove the intent, wait for every
     * node to report running.
     */
    @SuppressWarnings("try") // the signal registration is held for the window, never read
    private int fleetRun(PausectlCommand.EtcdFleet fleet) {
        if (minMembers < 1) {
            throw new ParameterException(spec.commandLine(), "--min-members must be at least 1");
        }
        if (postgres.url != null) {
            throw new ParameterException(spec.commandLine(), "--postgres is not supported with --etcd yet (nothing"
                    + " was paused)");
        }
        if (ttl == null) {
            ttl = DEFAULT_TTL;
        }
        if (maxPause == null) {
            maxPause = DEFAULT_MAX_PAUSE;
        }
        PauseSpec checked;
        try {
            checked = new PauseSpec(reason(), root.context().holder(), ttl, pause.waitIdle, pause.scope());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pausectl-run");
            t.setDaemon(true);
            return t;
        });
        try (Signals.Registration ignored = root.context().signals().install(this::onSignal);
             EtcdFleetWindow window = EtcdFleetWindow.open(fleet.etcd(), fleet.keys(), messages, checked.holder(),
                     checked.reason(), ttl, pause.waitIdle, pause.scope())) {
            long pausedAt = System.nanoTime();
            window.awaitPaused(pause.waitIdle, minMembers, cancelled::get);
            messages.say("fleet " + fleet.keys().fleet() + " paused (intent " + window.intent().id() + ", "
                    + window.pausedNodes() + "); running: " + String.join(" ", command)
                    + " (traffic resumes after --max-pause " + Durations.format(maxPause) + " at the latest)");
            AtomicBoolean maxPauseReached = new AtomicBoolean();
            timers.schedule(() -> {
                maxPauseReached.set(true);
                window.release();
                messages.say("!!! --max-pause " + Durations.format(maxPause) + " reached: the intent is removed and"
                        + " traffic RESUMES while the command is STILL RUNNING" + pidOf() + " !!!");
            }, maxPause.toMillis(), TimeUnit.MILLISECONDS);
            Integer exitCode;
            int code;
            try {
                CommandProcesses process = startUnlessCancelled();
                if (process == null) {
                    List<String> still = window.end(SETTLE);
                    if (!still.isEmpty()) {
                        throw new CliException(ExitCodes.NOT_RESUMED, "fleet " + fleet.keys().fleet()
                                + ": STILL PAUSED after the intent was removed: " + String.join(", ", still));
                    }
                    throw new CliException(ExitCodes.NOT_PAUSED, "interrupted before the command started: traffic"
                            + " resumed, the command was NOT run");
                }
                timers.scheduleWithFixedDelay(process::refresh, 0, CommandProcesses.REFRESH_EVERY_MS,
                        TimeUnit.MILLISECONDS);
                exitCode = awaitCommand(process, maxPauseReached);
                code = exitCode;
            } catch (IOException e) {
                exitCode = null;
                code = e.getMessage() != null && e.getMessage().contains("error=13")
                        ? ExitCodes.COMMAND_NOT_EXECUTABLE : ExitCodes.COMMAND_NOT_FOUND;
                messages.say("could not start '" + command.get(0) + "': " + e.getMessage() + "; resuming");
            }
            timers.shutdownNow();
            String lost = window.lost();
            List<String> still = window.end(SETTLE);
            long heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
            String changes = window.changes();
            messages.say("fleet " + fleet.keys().fleet() + ": window of " + heldMs + " ms ended"
                    + (changes.isEmpty() ? "" : "; " + changes));
            if (lost != null) {
                messages.say("!!! the fleet window was LOST while the command ran (" + lost + "): traffic was NOT"
                        + " held for the whole command !!!");
            } else if (!still.isEmpty()) {
                throw new CliException(ExitCodes.NOT_RESUMED, "fleet " + fleet.keys().fleet() + ": STILL PAUSED"
                        + " after the intent was removed: " + String.join(", ", still) + "\n  (the command "
                        + (exitCode == null ? "did not start" : "exited with code " + exitCode) + ")");
            }
            if (exitCode != null && exitCode != 0) {
                messages.say("the command exited with code " + exitCode);
            }
            return code;
        } finally {
            timers.shutdownNow();
        }
    }

    /**
     * Starts the command unless a signal came first. Atomic with {@link #onSignal}: a signal either
     * cancels before the start (the command never runs) or finds the process to pass itself on to.
     */
    private CommandProcesses startUnlessCancelled() throws IOException {
        synchronized (child) {
            if (cancelled.get()) {
                return null;
            }
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            if (database != null) {
                // libpq-based tools (psql, psycopg, Rails' pg, pgx) take PGAPPNAME; JDBC URLs can use the other.
                builder.environment().put("PGAPPNAME", database.watch().applicationName());
                builder.environment().put(PostgresOptions.ENV_APPLICATION_NAME, database.watch().applicationName());
            }
            CommandProcesses process = CommandProcesses.start(builder, subreaper);
            child.set(process);
            return process;
        }
    }

    /** Resumes after a signal that came before the command started; the error to exit with. */
    private static CliException undoneBeforeStart(PauseWindow window) {
        window.resume();
        if (!window.stillPaused().isEmpty()) {
            return new CliException(ExitCodes.NOT_RESUMED, window.stillPausedMessage());
        }
        return new CliException(ExitCodes.NOT_PAUSED, "interrupted before the command started: traffic resumed,"
                + " the command was NOT run");
    }

    /**
     * Waits until the command's own process exits, then, while traffic is still paused, until every
     * process it started has ended too: a {@code sh -c} may exit (or be killed) while what it started
     * still migrates. Signals meanwhile reach those processes too ({@link #stop}).
     *
     * @return the exit code of the command's own process
     */
    private int awaitCommand(CommandProcesses command, AtomicBoolean maxPauseReached) {
        int code = waitFor(command.root());
        command.refresh();
        List<ProcessHandle> left = command.stragglers();
        if (left.isEmpty() || maxPauseReached.get()) {
            return code;
        }
        messages.say("the command's own process has ended (code " + code + "), but processes it started still run: "
                + CommandProcesses.describe(left) + "; traffic stays paused until they end (--max-pause "
                + Durations.format(maxPause) + " at the latest)");
        boolean interrupted = false;
        while (true) {
            try {
                command.awaitEnd(-1, maxPauseReached::get);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return code;
    }

    private static int waitFor(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Called on the signal's own thread: decides quickly, does the waiting elsewhere. */
    private void onSignal(String name) {
        CommandProcesses command;
        synchronized (child) {
            command = child.get();
            if (command == null) {
                if (!cancelled.getAndSet(true)) {
                    messages.say("SIG" + name + " before the command started: undoing the pause, the command will"
                            + " NOT run");
                }
                return;
            }
        }
        if (!command.anyAlive()) {
            messages.say("SIG" + name + ": the command has ended, resuming traffic");
            return;
        }
        Thread stopper = new Thread(() -> stop(command, name), "pausectl-signal");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** Passes the signal on to every process of the command (see the class comment). */
    private void stop(CommandProcesses command, String signal) {
        interruptedBy.compareAndSet(null, signal);
        try {
            if (signal.equals("INT") && interrupts.incrementAndGet() == 1) {
                messages.say("SIGINT: waiting for the command to stop; traffic resumes once it exits"
                        + " (SIGINT again to terminate it)");
                if (!command.awaitEnd(1000, () -> false)) {
                    // It was not a terminal's Ctrl-C (that reaches the command too), or it ignored it: pass it on.
                    // Said before it is sent: once the command exits, pausectl resumes, summarises and exits.
                    messages.say("the command still runs: sending it SIGINT" + pidOf());
                    command.signal("INT");
                }
                return;
            }
            messages.say("SIG" + signal + ": sending SIGTERM to the command" + pidOf()
                    + "; traffic resumes once every process of it has ended");
            command.signal("TERM");
            if (!command.awaitEnd(killAfter.toMillis(), () -> false)) {
                messages.say("the command did not stop within --kill-after " + Durations.format(killAfter)
                        + ": SIGKILL" + pidOf());
                command.signal("KILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code " (pid 12)"}, {@code " (pid 12, and the processes it started: pid 13 (python3))"} or, once the
     * command's own process has ended, {@code " (processes it started: pid 13 (python3))"}; empty when
     * nothing of the command runs.
     */
    private String pidOf() {
        CommandProcesses command = child.get();
        if (command == null) {
            return "";
        }
        command.refresh();
        List<ProcessHandle> alive = command.alive();
        if (alive.isEmpty()) {
            return "";
        }
        boolean own = alive.get(0).pid() == command.root().pid();
        List<ProcessHandle> others = own ? alive.subList(1, alive.size()) : alive;
        if (!own) {
            return " (processes it started: " + CommandProcesses.describe(others) + ")";
        }
        return " (pid " + command.root().pid() + (others.isEmpty() ? ""
                : ", and the processes it started: " + CommandProcesses.describe(others)) + ")";
    }

    private String reason() {
        if (pause.reason != null) {
            return pause.reason;
        }
        String line = "pausectl run: " + String.join(" ", command);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /**
     * Why the program cannot be run, as a shell would say it ({@code command not found}, {@code
     * permission denied}), or null when it can. Checked before pausing, so a typo pauses nothing.
     */
    private String unrunnable(String program) {
        if (program.isEmpty()) {
            return "command not found";
        }
        if (program.contains("/")) {
            Path path = Path.of(program);
            if (!Files.exists(path)) {
                return "no such file, command not found";
            }
            return Files.isDirectory(path) || !Files.isExecutable(path) ? "permission denied (not executable)" : null;
        }
        String searchPath = root.context().environment().getOrDefault("PATH", System.getenv("PATH"));
        if (searchPath == null) {
            return null;
        }
        for (String dir : searchPath.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return null;
            }
        }
        return "command not found";
    }
}
