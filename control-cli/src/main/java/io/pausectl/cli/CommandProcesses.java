package io.pausectl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Every process of the command that {@code pausectl run} started: the process itself and the ones it
 * started, which {@code run}'s pause must outlive. A {@code sh -c 'flyway migrate'} sent SIGTERM dies at
 * once while flyway, which never got the signal, goes on migrating as an orphan of PID 1; so a signal
 * goes to every process of the command, and traffic is resumed only once all of them have ended.
 *
 * <p>The descendants are found by their parent links ({@link ProcessHandle#descendants()}), which an
 * orphan no longer has: so they are snapshot while the command runs ({@link #refresh}, every half
 * second, and at once before every signal), and a process seen once is followed until it ends. A
 * descendant that made itself a session leader ({@code setsid}: a daemon, such as Gradle's or an ssh
 * master connection) has left the command on purpose and is not followed. Java 17 has no way to make
 * pausectl a subreaper ({@code PR_SET_CHILD_SUBREAPER}) or to start the command in its own process group
 * without losing the terminal, hence the snapshots.
 *
 * <p>Thread-safe: the signal thread, the main thread and the refresh timer share it.
 */
final class CommandProcesses {
    /** How often {@code run} takes a snapshot of the command's descendants while it runs. */
    static final long REFRESH_EVERY_MS = 500;
    private static final long POLL_MS = 50;

    private final Process root;
    private final Set<ProcessHandle> known = new LinkedHashSet<>();

    CommandProcesses(Process root) {
        this.root = root;
    }

    /** The command's own process. */
    Process root() {
        return root;
    }

    /** Adds the descendants of every live process of the command to the ones followed, and forgets ended ones. */
    synchronized void refresh() {
        List<ProcessHandle> from = new ArrayList<>();
        if (root.isAlive()) {
            from.add(root.toHandle());
        }
        known.removeIf(h -> !alive(h));
        from.addAll(known);
        for (ProcessHandle h : from) {
            try {
                h.descendants().filter(d -> !sessionLeader(d)).forEach(known::add);
            } catch (RuntimeException e) {
                // a process that ended while its children were listed: the next snapshot sees the rest
            }
        }
    }

    /** The live processes of the command: its own first (while it runs), then the others it started. */
    synchronized List<ProcessHandle> alive() {
        List<ProcessHandle> alive = new ArrayList<>();
        if (root.isAlive()) {
            alive.add(root.toHandle());
        }
        for (ProcessHandle h : known) {
            if (alive(h)) {
                alive.add(h);
            }
        }
        return alive;
    }

    /** Whether any process of the command still runs. */
    boolean anyAlive() {
        return !alive().isEmpty();
    }

    /** The processes the command started that still run after the command's own process has ended. */
    synchronized List<ProcessHandle> stragglers() {
        List<ProcessHandle> left = new ArrayList<>();
        for (ProcessHandle h : known) {
            if (alive(h) && h.pid() != root.pid()) {
                left.add(h);
            }
        }
        return left;
    }

    /**
     * Takes a snapshot, then sends {@code signal} ({@code "TERM"}, {@code "KILL"} or {@code "INT"}) to
     * every live process of the command at once, as a terminal does to its foreground process group.
     *
     * @return the processes signalled
     */
    List<ProcessHandle> signal(String signal) {
        refresh();
        List<ProcessHandle> targets = alive();
        switch (signal) {
            case "TERM" -> targets.forEach(ProcessHandle::destroy);
            case "KILL" -> targets.forEach(ProcessHandle::destroyForcibly);
            case "INT" -> interrupt(targets);
            default -> throw new IllegalArgumentException("signal " + signal);
        }
        return targets;
    }

    /**
     * Waits until no process of the command runs, {@code giveUp} says so, or {@code timeoutMs} passed
     * (negative: no limit), following new descendants meanwhile.
     *
     * @return whether every process of the command has ended
     */
    boolean awaitEnd(long timeoutMs, BooleanSupplier giveUp) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        long nextRefresh = System.nanoTime();
        while (true) {
            if (System.nanoTime() - nextRefresh >= 0) {
                refresh();
                nextRefresh = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFRESH_EVERY_MS);
            }
            if (!anyAlive()) {
                return true;
            }
            if (giveUp.getAsBoolean() || timeoutMs >= 0 && System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** {@code pid 123 (python3), pid 124 (sleep)}: how messages name processes. */
    static String describe(List<ProcessHandle> processes) {
        return processes.stream().map(h -> "pid " + h.pid() + h.info().command()
                        .map(c -> " (" + Path.of(c).getFileName() + ")").orElse(""))
                .collect(Collectors.joining(", "));
    }

    private static void interrupt(List<ProcessHandle> targets) {
        if (targets.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("kill", "-INT"));
        targets.forEach(h -> argv.add(Long.toString(h.pid())));
        try {
            Process kill = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (kill.waitFor(5, TimeUnit.SECONDS)) {
                return;
            }
            kill.destroyForcibly();
        } catch (IOException e) {
            // no kill(1): fall back to SIGTERM below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        targets.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
    }

    /**
     * Whether the process runs (a zombie has ended: it waits only to be reaped, which a PID 1 that is
     * not an init may never do). {@link ProcessHandle#isAlive} checks the start time, so a reused PID is
     * not taken for the process.
     */
    private static boolean alive(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        String[] stat = stat(h.pid());
        return stat == null || !(stat[0].equals("Z") || stat[0].equals("X"));
    }

    /** A session leader other than pausectl's own children: it detached itself ({@code setsid}, a daemon). */
    private static boolean sessionLeader(ProcessHandle h) {
        String[] stat = stat(h.pid());
        return stat != null && stat.length > 3 && stat[3].equals(Long.toString(h.pid()));
    }

    /**
     * The fields of {@code /proc/PID/stat} after the command name (state, ppid, pgrp, session, ...),
     * or null where there is no such file (not Linux, or the process is gone).
     */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            int end = line.lastIndexOf(')');
            return end < 0 ? null : line.substring(end + 1).strip().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
