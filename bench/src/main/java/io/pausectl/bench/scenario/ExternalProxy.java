package io.pausectl.bench.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * HAProxy or nginx, when installed, started on loopback as a plain reverse proxy in front of the
 * bench's upstream (generated configuration in a temporary directory, foreground process), so the
 * pass-through comparison has well-known proxies beside pause-proxy in the same run.
 */
final class ExternalProxy implements AutoCloseable {
    private static final List<String> SEARCH_PATH = List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin");

    private final String name;
    private final Process process;
    private final Path dir;
    private final int port;

    private ExternalProxy(String name, Process process, Path dir, int port) {
        this.name = name;
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    String name() {
        return name;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** HAProxy in front of {@code upstream}, if an {@code haproxy} executable is found. */
    static Optional<ExternalProxy> haproxy(URI upstream) throws IOException, InterruptedException {
        Optional<Path> exe = find("haproxy");
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("pause-bench-haproxy");
        int port = freePort();
        String cfg = String.join("\n",
                "global",
                "  maxconn 8000", // two descriptors a connection must fit this machine's 20000 open files
                "defaults",
                "  mode http",
                "  timeout connect 5s",
                "  timeout client 60s",
                "  timeout server 60s",
                "  option http-keep-alive",
                "frontend bench",
                "  bind 127.0.0.1:" + port,
                "  default_backend upstream",
                "backend upstream",
                "  http-reuse always",
                "  server s1 " + upstream.getHost() + ":" + upstream.getPort(),
                "");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        Process p = new ProcessBuilder(exe.get().toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("output.log").toFile()).start();
        return Optional.of(awaitListening(new ExternalProxy("haproxy", p, dir, port)));
    }

    /** nginx in front of {@code upstream}, if an {@code nginx} executable is found. */
    static Optional<ExternalProxy> nginx(URI upstream) throws IOException, InterruptedException {
        Optional<Path> exe = find("nginx");
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("pause-bench-nginx");
        int port = freePort();
        String d = dir.toString();
        String cfg = String.join("\n",
                "worker_processes auto;",
                "daemon off;",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log warn;",
                "events { worker_connections 8000; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + d + "/body;",
                "  proxy_temp_path " + d + "/proxy;",
                "  fastcgi_temp_path " + d + "/fastcgi;",
                "  uwsgi_temp_path " + d + "/uwsgi;",
                "  scgi_temp_path " + d + "/scgi;",
                "  keepalive_requests 1000000;",
                "  upstream bench_upstream { server " + upstream.getHost() + ":" + upstream.getPort() + "; keepalive 256; }",
                "  server {",
                "    listen 127.0.0.1:" + port + ";",
                "    location / {",
                "      proxy_pass http://bench_upstream;",
                "      proxy_http_version 1.1;",
                "      proxy_set_header Connection \"\";",
                "    }",
                "  }",
                "}",
                "");
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, cfg);
        Process p = new ProcessBuilder(exe.get().toString(), "-p", d, "-e", d + "/error.log", "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("output.log").toFile()).start();
        return Optional.of(awaitListening(new ExternalProxy("nginx", p, dir, port)));
    }

    static Optional<Path> find(String exe) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")), SEARCH_PATH.stream())
                .filter(s -> !s.isEmpty())
                .map(s -> Path.of(s, exe))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** A port that was free a moment ago: HAProxy and nginx configurations need a number. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static ExternalProxy awaitListening(ExternalProxy proxy) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!proxy.process.isAlive()) {
                String out = proxy.output();
                proxy.close();
                throw new IOException(proxy.name + " exited at start:\n" + out);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", proxy.port), 200);
                return proxy;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        String out = proxy.output();
        proxy.close();
        throw new IOException(proxy.name + " did not listen on 127.0.0.1:" + proxy.port + " within 10s:\n" + out);
    }

    private String output() {
        try (InputStream in = Files.newInputStream(dir.resolve("output.log"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
