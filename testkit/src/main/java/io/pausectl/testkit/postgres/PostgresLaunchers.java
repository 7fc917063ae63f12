package io.pausectl.testkit.postgres;

import org.junit.jupiter.api.Assumptions;

import java.util.List;

/**
 * The launchers a PostgreSQL scenario runs on, and the rule for a missing one: skipped with the
 * reason locally; with {@code CI} set, a launcher {@linkplain PostgresLauncher#requiredInCi() required
 * in CI} fails the test instead, so CI can never pass by skipping the database tests.
 */
public final class PostgresLaunchers {
    private PostgresLaunchers() {
    }

    /** The local binaries' launcher. */
    public static PostgresLauncher local() {
        return LocalPostgres.launcher();
    }

    /**
     * PostgreSQL 15 in a container on the engine that {@code scripts/container-engine.sh} sets up
     * ({@link ContainerPostgres}).
     */
    public static PostgresLauncher container() {
        return ContainerPostgres.launcher();
    }

    /** Every launcher known to the testkit (a JUnit {@code @MethodSource} for parameterised scenarios). */
    public static List<PostgresLauncher> all() {
        return List.of(local(), container());
    }

    /**
     * Starts a server with {@code launcher}, or aborts the test (skipped) when the launcher cannot run
     * here, or fails it when it cannot and CI requires it.
     */
    public static PostgresServer startOrSkip(PostgresLauncher launcher) {
        String missing = launcher.unavailableReason();
        if (missing != null) {
            if (launcher.requiredInCi() && System.getenv("CI") != null) {
                throw new AssertionError("CI is set and the " + launcher.name() + " PostgreSQL launcher cannot run: "
                        + missing);
            }
            Assumptions.abort("skipped: the " + launcher.name() + " PostgreSQL launcher cannot run: " + missing);
        }
        return launcher.start();
    }
}
