package io.pausectl.cli.postgres;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresTargetTest {

    @Test
    void aLibpqUriGivesTheJdbcUrlAndCredentials() {
        PostgresTarget t = PostgresTarget.parse("postgresql://app:s%40cret@db.internal:6432/shop?sslmode=require", Map.of());
        assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6432/shop");
        assertThat(t.properties()).containsEntry("user", "app").containsEntry("password", "s@cret")
                .containsEntry("sslmode", "require");
        assertThat(t.display()).isEqualTo("postgresql://app:***@db.internal:6432/shop").doesNotContain("cret");
    }

    @Test
    void aJdbcUrlTakesItsUserFromTheQueryAndThePasswordFromTheEnvironment() {
        PostgresTarget t = PostgresTarget.parse("jdbc:postgresql://127.0.0.1:5432/app?user=migrator",
                Map.of("PGPASSWORD", "pw"));
        assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/app");
        assertThat(t.properties()).containsEntry("user", "migrator").containsEntry("password", "pw");
    }

    @Test
    void badUrlsSayWhatIsWrongWithoutThePassword() {
        assertThatThrownBy(() -> PostgresTarget.parse("mysql://u:topsecret@h/db", Map.of()))
                .hasMessageContaining("--postgres wants postgresql://").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> PostgresTarget.parse("postgresql://h:5432/db", Map.of()))
                .hasMessageContaining("names no user");
        assertThatThrownBy(() -> PostgresTarget.parse("postgresql://u:topsecret@/db", Map.of()))
                .hasMessageContaining("names no host").hasMessageNotContaining("topsecret");
    }
}
