package io.pausectl.cli;

import io.pausectl.testkit.postgres.PostgresLauncher;
import io.pausectl.testkit.postgres.PostgresLaunchers;

/**
 * The PostgreSQL window scenarios on a server started from this machine's binaries (what CI runs:
 * without them the class fails when {@code CI} is set, and is skipped otherwise).
 */
class LocalPostgresWindowIntegrationTest extends PostgresWindowScenarios {
    @Override
    PostgresLauncher launcher() {
        return PostgresLaunchers.local();
    }
}
