package io.pausectl.bench.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy with pausectl's Lua gate ({@code deploy/haproxy/pause-gate.lua}, bundled in the bench)
 * in front of the bench's upstream: the comparison for the hold and drain scenarios. Started on
 * loopback with a generated configuration in a temporary directory (one thread, a runtime API
 * socket, room for {@code maxconn} held clients, a hold limit of ten minutes); paused and resumed
 * over its runtime API, as {@code pausectl --haproxy} does.
 */
final class HaproxyGate implements AutoCloseable {
    private static final Pattern HELD = Pattern.compile("proc\\.pausectl_held: type=sint value=<(\\d+)>");
    private static final String LUA_RESOURCE = "/io/pausectl/bench/haproxy/pause-gate.lua";

    private final ScratchProcess process;
    private final Path socket;

    private HaproxyGate(ScratchProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Whether an {@code haproxy} executable is installed. */
    static boolean available() {
        return ExternalProxy.find("haproxy").isPresent();
    }

    /** Starts HAProxy with the gate in front of {@code upstream}, with room for {@code maxconn} clients. */
    static HaproxyGate start(URI upstream, int maxconn) throws IOException, InterruptedException {
        Path exe = ExternalProxy.find("haproxy").orElseThrow(() -> new IOException("haproxy is not installed"));
        Path dir = Files.createTempDirectory("pause-bench-haproxy-gate");
        Path lua = dir.resolve("pause-gate.lua");
        try (InputStream in = HaproxyGate.class.getResourceAsStream(LUA_RESOURCE)) {
            if (in == null) {
                throw new IOException(LUA_RESOURCE + " is missing from the bench's class path");
            }
            Files.copy(in, lua);
        }
        Path socket = dir.resolve("admin.sock");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String cfg = String.join("\n",
                "global",
                "  nbthread 1",
                "  maxconn " + maxconn,
                fileLimit(maxconn),
                "  stats socket " + socket + " mode 600 level admin",
                "  lua-load " + lua,
                "  set-var proc.pausectl_hold_limit_ms int(600000)",
                "defaults",
                "  mode http",
                "  maxconn " + maxconn,
                "  timeout connect 5s",
                "  timeout client 10m",
                "  timeout server 60s",
                "  timeout http-request 60s",
                "  option http-keep-alive",
                "frontend bench",
                "  bind 127.0.0.1:" + port,
                "  http-request lua.pause_gate",
                "  default_backend upstream",
                "backend upstream",
                "  http-reuse always",
                "  server s1 " + upstream.getHost() + ":" + upstream.getPort(),
                "");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        ScratchProcess p = ScratchProcess.start("haproxy", dir, List.of(exe.toString(), "-db", "-f", file.toString()),
                port);
        p.awaitListening(() -> Files.exists(socket));
        return new HaproxyGate(p, socket);
    }

    /**
     * HAProxy reserves two descriptors per connection ({@code maxsock}, client and server side) and
     * refuses to start when the hard open-files limit is lower. A held request has no server side
     * yet, so when the hard limit (20,000 here) is below what it asks for, it is told to use the
     * hard limit and only warn ({@code no strict-limits}): 10,000 held requests need 10,000.
     */
    private static String fileLimit(int maxconn) throws IOException {
        long wanted = 2L * maxconn + 100;
        Path limits = Path.of("/proc/self/limits");
        if (!Files.isReadable(limits)) {
            return "";
        }
        for (String line : Files.readAllLines(limits)) {
            if (line.startsWith("Max open files")) {
                String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                if (!hard.equals("unlimited") && Long.parseLong(hard) < wanted) {
                    return "  ulimit-n " + hard + "\n  no strict-limits";
                }
            }
        }
        return "";
    }

    URI uri() {
        return process.uri();
    }

    long pid() {
        return process.pid();
    }

    /** Holds every request from now on (lease ten minutes ahead). */
    void pause() throws IOException {
        command("experimental-mode on; set var proc.pausectl_expires expr date(600); set var proc.pausectl_paused int(1)");
    }

    /** Releases the held requests (the gate lets them go oldest first). */
    void resume() throws IOException {
        command("experimental-mode on; set var proc.pausectl_paused int(0)");
    }

    /** Requests the gate holds now. */
    long held() throws IOException {
        Matcher m = HELD.matcher(command("pausectl-gate; get var proc.pausectl_held"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private String command(String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0 && buf.hasRemaining()) {
                // until HAProxy closes the non-interactive session
            }
            buf.flip();
            return StandardCharsets.US_ASCII.decode(buf).toString();
        }
    }

    /** HAProxy's output so far (warnings, alerts), for error messages. */
    String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
