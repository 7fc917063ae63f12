package io.pausectl.bench.scenario;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * HAProxy or nginx, when installed, started on loopback as a plain reverse proxy in front of the
 * bench's upstream (generated configuration in a temporary directory, foreground process), so the
 * pass-through comparison has well-known proxies beside pause-proxy in the same run.
 */
final class ExternalProxy implements AutoCloseable {
    private static final List<String> SEARCH_PATH = List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin");

    private final String name;
    private final ScratchProcess process;

    private ExternalProxy(String name, ScratchProcess process) {
        this.name = name;
        this.process = process;
    }

    String name() {
        return name;
    }

    URI uri() {
        return process.uri();
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
        ScratchProcess p = ScratchProcess.start("haproxy", dir, List.of(exe.get().toString(), "-db", "-f",
                file.toString()), port);
        p.awaitListening(() -> true);
        return Optional.of(new ExternalProxy("haproxy", p));
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
        ScratchProcess p = ScratchProcess.start("nginx", dir,
                List.of(exe.get().toString(), "-p", d, "-e", d + "/error.log", "-c", file.toString()), port);
        p.awaitListening(() -> true);
        return Optional.of(new ExternalProxy("nginx", p));
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

    @Override
    public void close() {
        process.close();
    }
}
