package io.pausectl.cli.haproxy;

import java.nio.file.Path;
import java.util.Map;

/**
 * Starts a real HAProxy for the integration suite, which runs once per launcher that
 * {@link HaproxyLaunchers#all()} lists (its display name is {@link #toString()}).
 * {@link LocalHaproxyLauncher} runs a binary on this machine (the distribution's, or the 3.0.x
 * built by {@code scripts/haproxy-3.0.sh}); other launchers (e.g. a container) plug in the same way.
 *
 * <p>What a launcher must honour: HAProxy reaches and is reached on 127.0.0.1 ports chosen by the
 * test, and sees the files the configuration names (the stats socket in {@code workDir}, the gate
 * in deploy/haproxy) at the same paths as the test does.
 */
interface HaproxyLauncher {

    /** A short label of where this HAProxy comes from, e.g. {@code distribution} or {@code trixie-source}. */
    String name();

    /** Whether this launcher can start HAProxy here; when not, {@link #unavailableReason()} says why. */
    boolean available();

    /** Why it cannot, and how to make it able to (a command to run). */
    String unavailableReason();

    /** The version line of the HAProxy it starts, e.g. {@code HAProxy version 2.6.12-1+deb12u4 2023/12/16 ...}. */
    String versionLine() throws Exception;

    /** The version, parsed from {@link #versionLine()} ({@code 2.6.12-1+deb12u4}). */
    default HaproxyVersion version() throws Exception {
        String[] words = versionLine().split(" ");
        if (words.length < 3 || !"version".equals(words[1])) {
            throw new IllegalStateException("not an HAProxy version line: '" + versionLine() + "'");
        }
        return HaproxyVersion.parse(words[2]);
    }

    /** Checks a configuration file ({@code haproxy -c -f}) with these environment variables; the exit code and output. */
    CheckResult check(Path config, Map<String, String> environment) throws Exception;

    /**
     * Starts HAProxy in the foreground ({@code -db}) with {@code config} written into {@code workDir}.
     * The caller closes it; closing stops it.
     */
    RunningHaproxy start(Path workDir, String config) throws Exception;

    /**
     * As {@link #start}, in master-worker mode ({@code -W}) with the master CLI on the UNIX socket
     * {@code masterSocket} ({@code -S}), as systemd runs it: a reload ({@code reload} on the master CLI) starts a
     * new worker and leaves the old one finishing its connections.
     *
     * @throws UnsupportedOperationException when this launcher cannot
     */
    default RunningHaproxy startMasterWorker(Path workDir, String config, Path masterSocket) throws Exception {
        throw new UnsupportedOperationException(name() + " cannot start HAProxy in master-worker mode");
    }

    /** {@code haproxy -c} outcome. */
    record CheckResult(int exitCode, String output) {
    }
}
