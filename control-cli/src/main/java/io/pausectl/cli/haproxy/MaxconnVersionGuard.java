package io.pausectl.cli.haproxy;

import java.util.List;
import java.util.Optional;

/**
 * The HAProxy versions on which the {@code maxconn} strategy must not run. Raising a frontend's
 * maxconn again ({@code set maxconn frontend <fe> N} after 0) while a connection waits on the
 * limited listener deadlocks the thread, and the watchdog then kills HAProxy
 * (haproxy/haproxy#2726, measured here on 2.6.12: the process dies as soon as maxconn is raised
 * with one client waiting). The deadlock came with the listener locking change 001328873
 * (2.7-dev6, backported to 2.6.6 and 2.4.24) and was fixed by a889413f5 (3.1-dev9), backported to
 * 3.0.6, 2.8.12, 2.6.20 and 2.4.28 according to those releases' change logs.
 *
 * <p>Where the fixed release of a branch is not confirmed (2.5, 2.7 and 2.9 reached end of life
 * around the fix; no change log of theirs naming it was found), the whole branch is refused:
 * refusing costs the user a switch to {@code --strategy gate}, allowing costs an outage.
 */
public final class MaxconnVersionGuard {

    /**
     * One branch's known-bad range.
     *
     * @param branch     {@code 2.6}
     * @param firstBad   the first affected release (or development build)
     * @param firstFixed the first release with the fix, or null when none is known
     */
    record Affected(String branch, HaproxyVersion firstBad, HaproxyVersion firstFixed) {
        boolean covers(HaproxyVersion v) {
            return v.branch().equals(branch) && v.compareTo(firstBad) >= 0
                    && (firstFixed == null || v.compareTo(firstFixed) < 0);
        }
    }

    private static HaproxyVersion dev(int major, int minor, int dev) {
        return new HaproxyVersion(major, minor, 0, dev, major + "." + minor + "-dev" + dev);
    }

    /** The table; see the class comment for where each bound comes from. */
    static final List<Affected> AFFECTED = List.of(
            new Affected("2.4", HaproxyVersion.release(2, 4, 24), HaproxyVersion.release(2, 4, 28)),
            new Affected("2.5", dev(2, 5, 0), null),
            new Affected("2.6", HaproxyVersion.release(2, 6, 6), HaproxyVersion.release(2, 6, 20)),
            new Affected("2.7", dev(2, 7, 6), null),
            new Affected("2.8", dev(2, 8, 0), HaproxyVersion.release(2, 8, 12)),
            new Affected("2.9", dev(2, 9, 0), null),
            new Affected("3.0", dev(3, 0, 0), HaproxyVersion.release(3, 0, 6)),
            new Affected("3.1", dev(3, 1, 0), dev(3, 1, 9)));

    private MaxconnVersionGuard() {
    }

    /**
     * Why the maxconn strategy must not run on this version, or empty when it may.
     * The reason is a sentence that names the version, the bug and the {@code gate} strategy.
     */
    public static Optional<String> refusal(HaproxyVersion version) {
        for (Affected a : AFFECTED) {
            if (a.covers(version)) {
                String fixed = a.firstFixed() == null
                        ? "no fixed " + a.branch() + " release is known"
                        : "fixed in " + a.firstFixed();
                return Optional.of("HAProxy " + version + " crashes when a frontend's maxconn is raised again"
                        + " after a pause (haproxy/haproxy#2726, " + fixed + "), so the maxconn strategy is refused;"
                        + " use --strategy gate (deploy/haproxy/pause-gate.lua) or upgrade HAProxy");
            }
        }
        return Optional.empty();
    }
}
