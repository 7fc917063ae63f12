package io.pausectl.cli;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * pausectl as a child subreaper while {@code run}'s command runs ({@code prctl(PR_SET_CHILD_SUBREAPER)},
 * Linux 3.4+, through JNA): a process of the command whose parent exits is reparented to pausectl instead
 * of to PID 1, so it stays a descendant of pausectl ({@link ProcessHandle#descendants()}) for as long as it
 * runs, however quickly its parent exited. pausectl must then reap those orphans when they exit ({@link
 * #reap}): the JDK waits only for the processes it started.
 *
 * <p>JNA is loaded here only, on the first {@link #enable}: the other commands never load it (their
 * start-up time, issue 12). Where the library or the call is missing (not Linux, a kernel older than
 * 3.4, JNA's native part not loadable), {@link #enable} says why and {@code run} falls back to following
 * parent links.
 */
final class Subreaper {
    /** {@code PR_SET_CHILD_SUBREAPER} of {@code <linux/prctl.h>}. */
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    /** {@code WNOHANG} of {@code <sys/wait.h>} (Linux). */
    private static final int WNOHANG = 1;
    /** {@code SIGINT}, the same number on every POSIX system this runs on. */
    static final int SIGINT = 2;

    private Subreaper() {
    }

    /**
     * Makes this process a child subreaper.
     *
     * @return the subreaper, or null when it cannot be one here; {@code why} then holds the reason
     */
    static Subreaper enable(StringBuilder why) {
        try {
            if (Libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
                why.append("prctl(PR_SET_CHILD_SUBREAPER) failed: errno ").append(Native.getLastError());
                return null;
            }
            return new Subreaper();
        } catch (LinkageError | RuntimeException e) {
            // One line: a linkage error's message may list every path it tried.
            why.append(e.getClass().getSimpleName()).append(": ")
                    .append(String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return null;
        }
    }

    /** Stops adopting orphans: the ones adopted stay pausectl's children. */
    void disable() {
        Libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    }

    /**
     * Reaps the zombie child {@code pid} ({@code waitpid(pid, WNOHANG)}). The caller makes sure the JDK
     * does not wait for that process itself ({@link OwnProcesses}): two waits for one child would take its
     * status from the JDK.
     *
     * @return whether it was reaped
     */
    boolean reap(long pid) {
        return Libc.waitpid((int) pid, new int[1], WNOHANG) == pid;
    }

    /** Sends {@code signal} to {@code pid} ({@code kill(2)}). @return whether it was sent */
    boolean kill(long pid, int signal) {
        return Libc.kill((int) pid, signal) == 0;
    }

    /** The C library, bound by JNA's direct mapping when first used. */
    private static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
        }

        static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

        static native int waitpid(int pid, int[] status, int options);

        static native int kill(int pid, int signal);
    }
}
