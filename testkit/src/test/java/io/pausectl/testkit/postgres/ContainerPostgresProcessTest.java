package io.pausectl.testkit.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ContainerPostgresProcessTest {

    @Test
    void postgres15FromDebianInAContainerOnALoopbackPortWithPasswordAuth() throws Exception {
        PostgresServer server = PostgresLaunchers.startOrSkip(PostgresLaunchers.container());
        String id = ((ContainerPostgres) server).containerId();
        try (server) {
            assertEquals(15, server.majorVersion());
            assertEquals("127.0.0.1", server.host());
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database(), inet_server_port(), version()")) {
                rs.next();
                assertEquals(server.database(), rs.getString(1));
                assertEquals(server.port(), rs.getInt(2));
                assertTrue(rs.getString(3).contains("Debian"), rs.getString(3));
            }
            assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(server.jdbcUrl(), server.user(), "wrong").close(),
                    "a wrong password is refused");
        }
        assertThrows(NotFoundException.class,
                () -> DockerClientFactory.instance().client().inspectContainerCmd(id).exec(),
                "the container is removed on close");
    }
}
