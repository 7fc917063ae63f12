package io.pausectl.bench.migrate;

import io.pausectl.bench.scenario.Narrator;
import io.pausectl.testkit.postgres.PostgresLaunchers;
import io.pausectl.testkit.postgres.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short {@code pause-bench migrate}: a real PostgreSQL, the application, Flyway as its own process
 * rewriting the hot table, load through a real pause-proxy; inside {@code pausectl run --postgres}, and
 * SIGTERM'd mid-rewrite. No request fails, no acknowledged write is lost or applied twice.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MigrateScenarioEndToEndTest {

    @Test
    void pausectlWindowsAroundARealMigrationFailNothingAndLoseNoWrite() throws Exception {
        StringWriter narration = new StringWriter();
        List<MigrateScenario.Row> rows;
        try (PostgresServer db = PostgresLaunchers.startOrSkip(PostgresLaunchers.local())) {
            rows = new MigrateScenario(new MigrateScenario.Settings(20_000, 50, 3,
                    List.of(MigrateScenario.Mode.PAUSECTL, MigrateScenario.Mode.SIGTERM), null),
                    new Narrator(new PrintWriter(narration), false)).run(db);
        }
        assertThat(rows).hasSize(2);
        for (MigrateScenario.Row r : rows) {
            assertThat(r.failed()).as("%s", r).isZero();
            assertThat(r.lost()).as("%s", r).isZero();
            assertThat(r.duplicated()).as("%s", r).isZero();
            assertThat(r.writesAcknowledged()).as("%s", r).isPositive().isEqualTo(r.rows());
            assertThat(r.held()).as("%s", r).isPositive();
            assertThat(r.lockHeldMs()).as("the migration took its lock: %s", r).isPositive();
        }
        assertThat(rows.get(0).migrationExit()).isZero();
        assertThat(rows.get(1).migrationExit()).as("pausectl's exit after SIGTERM: the migration's").isIn(0, 128 + 15);
        // A table this small may be rewritten before the SIGTERM lands: then there is nothing to cancel, and
        // LocalPostgresWindowIntegrationTest proves the cancel on a lock held for a minute.
        assertThat(rows.get(1).note()).as("%s", rows.get(1)).doesNotContain("still held locks");
    }
}
