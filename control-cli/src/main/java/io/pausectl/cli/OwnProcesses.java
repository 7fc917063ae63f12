package io.pausectl.cli;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The processes pausectl starts through the JDK (the command, {@code stty}), which the JDK waits for and
 * reaps itself. While pausectl is a subreaper ({@link Subreaper}) its other children are orphans it
 * adopted and must reap; it must never wait for one of these, or the JDK would lose its exit status. A
 * process is started and recorded under one lock, which {@link #reapUnlessOwn} holds too, so no zombie of
 * a process just started is taken for an orphan.
 */
final class OwnProcesses {
    private static final Set<Long> STARTED = new HashSet<>();

    private OwnProcesses() {
    }

    /** Starts {@code builder}'s process and records it as one the JDK reaps. */
    static Process start(ProcessBuilder builder) throws IOException {
        synchronized (STARTED) {
            Process process = builder.start();
            STARTED.add(process.pid());
            return process;
        }
    }

    /** Calls {@code reap} on {@code pid} unless pausectl started that process through the JDK. */
    static boolean reapUnlessOwn(long pid, LongPredicate reap) {
        synchronized (STARTED) {
            return !STARTED.contains(pid) && reap.test(pid);
        }
    }

    /** Whether pausectl started {@code pid} through the JDK. */
    static boolean own(long pid) {
        synchronized (STARTED) {
            return STARTED.contains(pid);
        }
    }
}
