package io.pausectl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Every process of the command that {@code pausectl run} started: the process itself and the ones it
 * started, which {@code run}'s pause must outlive. A {@code sh -c 'flyway migrate'} sent SIGTERM dies at
 * once while flyway, which never got the signal, goes on migrating as an orphan; a {@code sh -c 'job &'}
 * exits at once and leaves its job running. So a signal goes to every process of the command, and traffic
 * is resumed only once all of them have ended.
 *
 * <p>The processes are found by their parent links, which an orphan loses: so pausectl makes itself a
 * child subreaper for the command's lifetime ({@link Subreaper}, Linux): an orphan of the command is then
 * reparented to pausectl, not to PID 1, and stays in pausectl's tree until it ends, however quickly its
 * parent exited. pausectl's children other than the command and what it started through the JDK ({@link
 * OwnProcesses}) are such orphans; pausectl reaps them when they exit, and a zombie counts as ended.
 * Where pausectl cannot be a subreaper (not Linux), a process seen once is followed until it ends, and
 * one orphaned before a snapshot saw it (they are taken every half second, and before every signal and
 * every decision that the command has ended) is missed.
 *
 * <p>A process that left pausectl's session ({@code setsid}: a daemon, such as Gradle's or an ssh master
 * connection, or a double fork) has left the command on purpose and is not followed, nor is what it starts.
 * One that only moved to a process group of its own ({@code setpgid}, a shell's job control) is followed.
 *
 * <p>Thread-safe: the signal thread, the main thread and the refresh timer share it.
 */
final class CommandProcesses {
    /** How often {@code run} takes a snapshot of the command's processes (and reaps adopted orphans). */
    static final long REFRESH_EVERY_MS = 500;
    private static final long POLL_MS = 50;
    private static final Path PROC = Path.of("/proc");

    private final Process root;
    /** Null where pausectl is not a subreaper: then only parent links from the processes seen lead to the rest. */
    private final Subreaper subreaper;
    private final long self = ProcessHandle.current().pid();
    /** pausectl's session (a field of /proc/PID/stat), or null where there is no /proc. */
    private final String session;
    /** pausectl's children from before the command started (a test's own processes): never the command's. */
    private final Set<Long> before;
    private final Map<Long, ProcessHandle> known = new LinkedHashMap<>();

    private CommandProcesses(Process root, Subreaper subreaper, String session, Set<Long> before) {
        this.root = root;
        this.subreaper = subreaper;
        this.session = session;
        this.before = before;
    }

    /**
     * Starts the command.
     *
     * @param subreaper pausectl as a subreaper, or null where it is not one
     */
    static CommandProcesses start(ProcessBuilder command, Subreaper subreaper) throws IOException {
        Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
        String[] own = stat(ProcessHandle.current().pid());
        return new CommandProcesses(OwnProcesses.start(command), subreaper, own == null ? null : own[3], before);
    }

    /** The command's own process. */
    Process root() {
        return root;
    }

    /**
     * Reaps the orphans of the command that exited, then adds the live processes of the command not yet
     * followed, and forgets ended ones.
     */
    synchronized void refresh() {
        Map<Long, List<Long>> children = new HashMap<>();
        Map<Long, String[]> stats = scan(children);
        if (subreaper != null) {
            for (long pid : children.getOrDefault(self, List.of())) {
                String[] stat = stats.get(pid);
                if (stat != null && ended(stat) && adopted(pid)) {
                    OwnProcesses.reapUnlessOwn(pid, subreaper::reap);
                }
            }
        }
        known.values().removeIf(h -> !alive(h));
        Deque<Long> from = new ArrayDeque<>();
        if (root.isAlive()) {
            from.add(root.pid());
        }
        from.addAll(known.keySet());
        if (subreaper != null) {
            for (long pid : children.getOrDefault(self, List.of())) {
                if (adopted(pid)) {
                    follow(pid, stats.get(pid), from);
                }
            }
        }
        Set<Long> walked = new HashSet<>();
        while (!from.isEmpty()) {
            long pid = from.poll();
            if (walked.add(pid)) {
                for (long child : children.getOrDefault(pid, List.of())) {
                    follow(child, stats.get(child), from);
                }
            }
        }
    }

    /** Follows {@code pid} and what it started, unless it ended or left pausectl's session. */
    private void follow(long pid, String[] stat, Deque<Long> from) {
        if (stat != null && (ended(stat) || !inSession(stat))) {
            return;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent()) {
            known.putIfAbsent(pid, h.get());
            from.add(pid);
        }
    }

    /** A child of pausectl that is neither the command nor a process pausectl started otherwise: an orphan it adopted. */
    private boolean adopted(long pid) {
        return pid != root.pid() && !before.contains(pid) && !OwnProcesses.own(pid);
    }

    /** The live processes of the command: its own first (while it runs), then the others it started. */
    synchronized List<ProcessHandle> alive() {
        List<ProcessHandle> alive = new ArrayList<>();
        if (root.isAlive()) {
            alive.add(root.toHandle());
        }
        for (ProcessHandle h : known.values()) {
            if (h.pid() != root.pid() && alive(h)) {
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
        for (ProcessHandle h : known.values()) {
            if (alive(h) && h.pid() != root.pid()) {
                left.add(h);
            }
        }
        return left;
    }

    /**
     * Takes a snapshot, then sends {@code signal} ({@code "TERM"}, {@code "KILL"} or {@code "INT"}) to
     * every live process of the command at once, as a terminal does to its foreground process group.
     * TERM and KILL go through the JDK ({@link ProcessHandle#destroy}), which checks that the PID is still
     * the process's; INT through {@code kill(2)} after the same check.
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
     * (negative: no limit), following new processes of the command meanwhile. Before it says that all
     * have ended, a fresh snapshot confirms it.
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
                refresh();
                if (!anyAlive()) {
                    return true;
                }
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

    private void interrupt(List<ProcessHandle> targets) {
        if (targets.isEmpty()) {
            return;
        }
        if (subreaper != null) {
            targets.stream().filter(ProcessHandle::isAlive).forEach(h -> subreaper.kill(h.pid(), Subreaper.SIGINT));
            return;
        }
        List<String> argv = new ArrayList<>(List.of("kill", "-INT"));
        targets.forEach(h -> argv.add(Long.toString(h.pid())));
        try {
            Process kill = OwnProcesses.start(new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD));
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
     * Whether the process runs in pausectl's session (a zombie has ended: it waits only to be reaped). {@link
     * ProcessHandle#isAlive} checks the start time, so a reused PID is not taken for the process.
     */
    private boolean alive(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        String[] stat = stat(h.pid());
        return stat == null || !ended(stat) && inSession(stat);
    }

    private static boolean ended(String[] stat) {
        return stat[0].equals("Z") || stat[0].equals("X");
    }

    private boolean inSession(String[] stat) {
        return session == null || stat.length <= 3 || stat[3].equals(session);
    }

    /**
     * Every process's {@link #stat} by PID, and {@code children} filled with each parent's children: from
     * /proc, or where there is none from the JDK's list (without states and sessions).
     */
    private static Map<Long, String[]> scan(Map<Long, List<Long>> children) {
        Map<Long, String[]> stats = new HashMap<>();
        if (Files.isDirectory(PROC)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
                for (Path dir : dirs) {
                    long pid = pidOf(dir.getFileName().toString());
                    String[] stat = pid < 0 ? null : stat(pid);
                    if (stat != null && stat.length > 3) {
                        stats.put(pid, stat);
                        children.computeIfAbsent(Long.parseLong(stat[1]), p -> new ArrayList<>()).add(pid);
                    }
                }
                return stats;
            } catch (IOException | RuntimeException e) {
                children.clear();
                stats.clear();
            }
        }
        ProcessHandle.allProcesses().forEach(h -> h.parent().ifPresent(
                p -> children.computeIfAbsent(p.pid(), k -> new ArrayList<>()).add(h.pid())));
        return stats;
    }

    private static long pidOf(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return name.isEmpty() || name.length() > 18 ? -1 : Long.parseLong(name);
    }

    /**
     * The fields of {@code /proc/PID/stat} after the command name (state, ppid, pgrp, session, ...),
     * or null where there is no such file (not Linux, or the process is gone).
     */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
            int end = line.lastIndexOf(')');
            return end < 0 ? null : line.substring(end + 1).strip().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
