package io.pausectl.testkit.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalPostgresProcessTest {

    @Test
    void startsOnAFreePortWithPasswordAuthAndStopsByPid() throws Exception {
        PostgresServer server = PostgresLaunchers.startOrSkip(PostgresLaunchers.local());
        LocalPostgres local = (LocalPostgres) server;
        Path scratch = local.scratch();
        try (server) {
            assertTrue(server.majorVersion() >= 12, "version " + server.majorVersion());
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database(), pg_postmaster_start_time() IS NOT NULL,"
                         + " inet_server_port()")) {
                rs.next();
                assertEquals(server.database(), rs.getString(1));
                assertEquals(server.port(), rs.getInt(3));
            }
            assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(server.jdbcUrl(), server.user(), "wrong").close(),
                    "a wrong password is refused");
            assertTrue(ProcessHandle.of(local.pid()).map(ProcessHandle::isAlive).orElse(false));
        }
        assertFalse(ProcessHandle.of(local.pid()).map(ProcessHandle::isAlive).orElse(false), "postmaster stopped");
        assertFalse(Files.exists(scratch), "scratch directory removed");
    }
}
