package io.pausectl.testkit.postgres;

/**
 * Starts a {@link PostgresServer}: local binaries, or a container. A scenario written against
 * this interface runs unchanged on every launcher.
 */
public interface PostgresLauncher {

    /** A short name for test display names and reports, e.g. {@code local} or {@code container}. */
    String name();

    /** Null when this launcher can start a server here, else why not (one line, with the fix). */
    String unavailableReason();

    /**
     * Whether a missing launcher fails the build when the {@code CI} environment variable is set
     * (true for the local binaries, which CI installs; false for a container engine CI may lack).
     */
    boolean requiredInCi();

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @throws IllegalStateException when it cannot be started or does not get ready in time (with its log)
     */
    PostgresServer start();
}
