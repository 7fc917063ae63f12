package io.pausectl.cli.haproxy;

import java.nio.file.Path;

/**
 * Starts a real HAProxy for the integration suite. {@link LocalHaproxyLauncher} runs the binary
 * installed here; a container-based launcher can be added where a Docker engine exists.
 */
interface HaproxyLauncher {

    /** Whether this launcher can start HAProxy here; when not, {@link #unavailableReason()} says why. */
    boolean available();

    String unavailableReason();

    /** The version line of the HAProxy it starts, e.g. {@code HAProxy version 2.6.12-1+deb12u4 ...}. */
    String versionLine() throws Exception;

    /** Checks a configuration file ({@code haproxy -c -f}); returns the exit code and output. */
    CheckResult check(Path config, java.util.Map<String, String> environment) throws Exception;

    /**
     * Starts HAProxy in the foreground ({@code -db}) with {@code config}, in {@code workDir}.
     * The caller closes it; closing kills the process.
     */
    RunningHaproxy start(Path workDir, String config) throws Exception;

    /** {@code haproxy -c} outcome. */
    record CheckResult(int exitCode, String output) {
    }
}
