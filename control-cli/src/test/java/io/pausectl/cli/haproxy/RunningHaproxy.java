package io.pausectl.cli.haproxy;

/** An HAProxy started by a {@link HaproxyLauncher}; closing it stops it. */
interface RunningHaproxy extends AutoCloseable {

    /** Whether the HAProxy process still runs (false once it crashed or was stopped). */
    boolean alive();

    /** What it wrote to stdout and stderr so far, for failure messages. */
    String log();

    @Override
    void close() throws Exception;
}
