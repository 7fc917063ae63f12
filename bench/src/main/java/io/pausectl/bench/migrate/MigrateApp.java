package io.pausectl.bench.migrate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pausectl.testkit.postgres.PostgresServer;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The application a migration must not disturb: {@code GET /items/{id}} reads a row and
 * {@code POST /items} (with {@code X-Req-Id}) inserts one, in the table the migration rewrites, through
 * HikariCP and pgjdbc with the timeouts production applications set ({@code lock_timeout=1s},
 * {@code statement_timeout=3s}). A database error is a 500 whose body names it ({@code lock_timeout},
 * {@code statement_timeout}, {@code pool_timeout}, or the SQLSTATE).
 */
final class MigrateApp implements AutoCloseable {
    static final String APPLICATION_NAME = "bench-app";

    private final HikariDataSource pool;
    private final HttpServer server;
    private final ExecutorService executor;

    private MigrateApp(HikariDataSource pool, HttpServer server, ExecutorService executor) {
        this.pool = pool;
        this.server = server;
        this.executor = executor;
    }

    static MigrateApp start(PostgresServer db, String schema) throws IOException {
        // The pool's start and stop lines would bury the bench's own narration.
        if (LoggerFactory.getLogger("com.zaxxer.hikari") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setPoolName("bench-app");
        config.setMaximumPoolSize(16);
        config.setConnectionTimeout(3000);
        config.addDataSourceProperty("currentSchema", schema);
        config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        // As production applications set them: a statement never queues behind a lock for long.
        config.addDataSourceProperty("options", "-c lock_timeout=1s -c statement_timeout=3s");
        HikariDataSource pool = new HikariDataSource(config);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        ExecutorService executor = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "bench-app");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        MigrateApp app = new MigrateApp(pool, server, executor);
        server.createContext("/items", app::handle);
        server.start();
        return app;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            try (Connection c = pool.getConnection()) {
                if (method.equals("GET") && path.startsWith("/items/")) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT v FROM items WHERE id = ?")) {
                        ps.setLong(1, Long.parseLong(path.substring("/items/".length())));
                        try (ResultSet rs = ps.executeQuery()) {
                            boolean found = rs.next();
                            answer(exchange, found ? 200 : 404, found ? rs.getString(1) : "no such item");
                        }
                    }
                } else if (method.equals("POST") && path.equals("/items")) {
                    String id = exchange.getRequestHeaders().getFirst("X-Req-Id");
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (req_id, v, payload)"
                            + " VALUES (?, 1, 'written')")) {
                        ps.setString(1, id);
                        ps.executeUpdate();
                    }
                    answer(exchange, 201, "ok");
                } else {
                    answer(exchange, 404, "no such endpoint");
                }
            } catch (NumberFormatException e) {
                answer(exchange, 400, "bad id");
            } catch (SQLTransientConnectionException e) {
                answer(exchange, 500, "pool_timeout");
            } catch (SQLException e) {
                answer(exchange, 500, kind(e));
            }
        }
    }

    private static String kind(SQLException e) {
        String state = e.getSQLState();
        if ("55P03".equals(state)) {
            return "lock_timeout";
        }
        if ("57014".equals(state)) {
            return e.getMessage() != null && e.getMessage().contains("statement timeout") ? "statement_timeout"
                    : "canceled";
        }
        return "sqlstate_" + state;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }
}
