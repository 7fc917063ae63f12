package io.pausectl.cli;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The origin behind the proxy or HAProxy in the integration tests: JDK HttpServer on 127.0.0.1:0. Answers 200 "ok" with a
 * Content-Length; {@code /slow?ms=N} answers after N ms (to have requests in flight). Counts what it
 * received.
 */
public final class TestUpstream implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    public final AtomicLong received = new AtomicLong();
    /** The paths received, in order (in the order handled, when requests overlap). */
    public final java.util.Queue<String> paths = new java.util.concurrent.ConcurrentLinkedQueue<>();

    public TestUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            received.incrementAndGet();
            paths.add(exchange.getRequestURI().getPath());
            String query = exchange.getRequestURI().getQuery();
            if (exchange.getRequestURI().getPath().startsWith("/slow") && query != null && query.startsWith("ms=")) {
                try {
                    Thread.sleep(Long.parseLong(query.substring(3)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
