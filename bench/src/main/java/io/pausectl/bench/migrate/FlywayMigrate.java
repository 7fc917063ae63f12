package io.pausectl.bench.migrate;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The migration tool, run as its own process the way a deploy runs Flyway:
 * {@code java -cp ... io.pausectl.bench.migrate.FlywayMigrate JDBC_URL USER SCHEMA LOCATION}, the password
 * in {@code BENCH_MIGRATE_PASSWORD}. Its sessions carry {@code ApplicationName} from
 * {@code PAUSECTL_APPLICATION_NAME} (set by {@code pausectl run --postgres}), since pgjdbc does not read
 * {@code PGAPPNAME}: the README's Flyway recipe. Exits 0 when migrated, 1 when Flyway failed.
 */
public final class FlywayMigrate {
    private FlywayMigrate() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: FlywayMigrate JDBC_URL USER SCHEMA LOCATION (password in BENCH_MIGRATE_PASSWORD)");
            System.exit(2);
        }
        String name = System.getenv("PAUSECTL_APPLICATION_NAME");
        if (name == null) {
            name = System.getenv().getOrDefault("PGAPPNAME", "flyway");
        }
        String url = args[0] + (args[0].contains("?") ? "&" : "?") + "ApplicationName="
                + URLEncoder.encode(name, StandardCharsets.UTF_8);
        try {
            MigrateResult result = Flyway.configure()
                    .dataSource(url, args[1], System.getenv("BENCH_MIGRATE_PASSWORD"))
                    .schemas(args[2])
                    .defaultSchema(args[2])
                    .locations(args[3])
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
            System.out.println("migrated " + result.migrationsExecuted + " migration(s) in schema " + args[2]);
        } catch (RuntimeException e) {
            System.err.println("migration failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
