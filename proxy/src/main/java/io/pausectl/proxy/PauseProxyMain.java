package io.pausectl.proxy;

import ch.qos.logback.classic.LoggerContext;
import io.pausectl.common.BuildVersion;
import io.pausectl.common.ByteSizes;
import io.pausectl.common.Durations;
import io.pausectl.proxy.config.ConfigException;
import io.pausectl.proxy.config.ConfigLoader;
import io.pausectl.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code pause-proxy}: parses flags (then the environment, then the YAML file) into a
 * {@link ProxyConfig}, starts the {@link PauseProxy} (client listener, pause gate, admin API), and
 * on SIGTERM or SIGINT shuts down gracefully and exits 0. A configuration error is one line on stderr and exit code 2.
 */
@Command(name = "pause-proxy", mixinStandardHelpOptions = true, versionProvider = PauseProxyMain.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
                // One element per paragraph: picocli wraps each to the terminal's width.
                "A traffic-pausing HTTP/1.1 reverse proxy: passes requests through to the upstreams and, "
                        + "when paused through its admin API, holds them until resumed.",
                "",
                "Every setting is also read from the environment (PAUSE_PROXY_ and the flag name in upper case, "
                        + "dashes as underscores: PAUSE_PROXY_QUEUE_TIMEOUT) and from the YAML file given by --config "
                        + "(keys are the flag names: queue-timeout: 30s). Flags win over the environment, which wins "
                        + "over the file. Repeatable settings are comma-separated in the environment and a list in YAML.",
                "",
                "Durations in Go's grammar: 500ms, 30s, 1.5s, 1m30s, 1h; more than 0 (--shutdown-grace: 0 or more)"
                        + " and at most 24h. Sizes: 512, 64KiB, 64MiB.",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:stopped by SIGTERM or SIGINT after a graceful shutdown",
                "1:internal error (for example the listen address is in use)",
                "2:invalid flags or configuration (one line on stderr says which and why)"})
public final class PauseProxyMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PauseProxyMain.class);

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where clients connect. Default: 0.0.0.0:8080.")
    String listen;

    @Option(names = "--upstream", paramLabel = "URL", split = ",",
            description = "Origin base URL, http://HOST[:PORT]; repeat for round-robin over several. Required.")
    List<String> upstream;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
            description = "Where the admin API listens. Default: 127.0.0.1:9901. A non-loopback address needs --admin-token-file.")
    String adminListen;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File holding the admin API's bearer token (trimmed; must not be empty).")
    String adminTokenFile;

    @Option(names = "--max-queued", paramLabel = "N", description = "Most requests held at once; past it, 503 at once. Default: 10000.")
    String maxQueued;

    @Option(names = "--max-queued-bytes", paramLabel = "SIZE",
            description = "Most bytes kept for held requests; past it, 503 at once. Default: 64MiB.")
    String maxQueuedBytes;

    @Option(names = "--queue-timeout", paramLabel = "DURATION",
            description = "Longest a request is held; then 503 with Retry-After. Default: 30s.")
    String queueTimeout;

    @Option(names = "--max-pause", paramLabel = "DURATION", description = "Cap on any pause lease. Default: 5m.")
    String maxPause;

    @Option(names = "--drain-concurrency", paramLabel = "N",
            description = "Most released-but-unfinished requests while draining. Default: 256.")
    String drainConcurrency;

    @Option(names = "--drain-rate", paramLabel = "N",
            description = "Most releases per second while draining; 0 for no limit. Default: 0.")
    String drainRate;

    @Option(names = "--bypass-path", paramLabel = "PREFIX", split = ",",
            description = "Path prefix never held (health checks); repeatable.")
    List<String> bypassPath;

    @Option(names = "--event-loops", paramLabel = "N",
            description = "Event loop threads serving clients and upstreams. Default: the number of cores.")
    String eventLoops;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "Upstream connect timeout (then 502). Default: 5s.")
    String connectTimeout;

    @Option(names = "--upstream-timeout", paramLabel = "DURATION",
            description = "Longest an upstream may stay silent: before its response head (then 504) or in the middle of a body (then the response is cut). Default: 60s.")
    String upstreamTimeout;

    @Option(names = "--upstream-idle-timeout", paramLabel = "DURATION",
            description = "A pooled upstream connection idle this long is closed, never reused; keep it below the"
                    + " upstream's own keep-alive timeout (gunicorn 2s, Node 5s, Apache 5s, nginx 75s). Default: 1s.")
    String upstreamIdleTimeout;

    @Option(names = "--upstream-reuse", paramLabel = "safe|always",
            description = "Which requests may go on a pooled upstream connection. safe: only replayable ones"
                    + " (idempotent method, no body); any other (a POST, a request with a body) opens a fresh one,"
                    + " so an upstream closing an idle connection never fails it. always: every request may"
                    + " reuse; a write that meets a closing connection gets 502. Default: safe.")
    String upstreamReuse;

    @Option(names = "--client-send-timeout", paramLabel = "DURATION",
            description = "A client that takes none of what is written to it for this long is cut, and the upstream"
                    + " connection feeding it closed. Default: 60s.")
    String clientSendTimeout;

    @Option(names = "--client-idle-timeout", paramLabel = "DURATION",
            description = "A client connection idle this long between requests is closed. Default: 60s.")
    String clientIdleTimeout;

    @Option(names = "--client-header-timeout", paramLabel = "DURATION",
            description = "A request head begun must be complete within this (then 408 and close). Default: 10s.")
    String clientHeaderTimeout;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Most client connections open at once; past it a new one gets 503 and is closed."
                    + " Default: half of what the open-files limit leaves after 256.")
    String maxConnections;

    @Option(names = "--max-request-line", paramLabel = "SIZE", description = "Longest request line (then 414). Default: 8KiB.")
    String maxRequestLine;

    @Option(names = "--max-header-size", paramLabel = "SIZE", description = "Largest request head (then 431). Default: 16KiB.")
    String maxHeaderSize;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION",
            description = "On SIGTERM, how long exchanges in progress may take to finish. Default: 30s.")
    String shutdownGrace;

    @Option(names = "--access-log", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Log one line per request (logger io.pausectl.proxy.access). Default: false.")
    String accessLog;

    @Option(names = "--fleet", paramLabel = "NAME",
            description = "Join fleet NAME paused through etcd (pausectl --etcd URL --fleet NAME run): follow its pause"
                    + " intent under a local lease renewed only while etcd still shows it. Default: off.")
    String fleet;

    @Option(names = "--fleet-etcd", paramLabel = "URL", split = ",",
            description = "With --fleet: etcd client URLs, http://HOST:PORT; repeat or separate with commas.")
    List<String> fleetEtcd;

    @Option(names = "--fleet-node", paramLabel = "NAME",
            description = "With --fleet: this node's name in the fleet. Default: the host name ($HOSTNAME, a pod's name).")
    String fleetNode;

    @Option(names = "--fleet-start-hold", paramLabel = "DURATION",
            description = "With --fleet: at start, hold requests until the intent is read from etcd, for at most"
                    + " this (then serve). Default: 10s.")
    String fleetStartHold;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with settings (keys are the flag names).")
    String config;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    PauseProxyMain(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        // Netty samples 1 buffer in 128 with a stack trace to find leaks unless told otherwise; the
        // proxy's buffer handling is tested under paranoid detection, so production runs without
        // it (JAVA_OPTS=-Dio.netty.leakDetection.level=simple turns it back on). Set before any
        // Netty class loads.
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        int code = commandLine(System.getenv()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** The command line, wired so that a usage or configuration error is one line and exit code 2. */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = new CommandLine(new PauseProxyMain(env));
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("pause-proxy: " + ex.getMessage() + " (see --help)");
            err.flush();
            return 2;
        });
        return cl;
    }

    /** The flags that were given, keyed by setting name, for {@link ConfigLoader}. */
    Map<String, List<String>> givenFlags() {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        put(flags, "listen", listen);
        if (upstream != null) {
            flags.put("upstream", upstream);
        }
        put(flags, "admin-listen", adminListen);
        put(flags, "admin-token-file", adminTokenFile);
        put(flags, "max-queued", maxQueued);
        put(flags, "max-queued-bytes", maxQueuedBytes);
        put(flags, "queue-timeout", queueTimeout);
        put(flags, "max-pause", maxPause);
        put(flags, "drain-concurrency", drainConcurrency);
        put(flags, "drain-rate", drainRate);
        if (bypassPath != null) {
            flags.put("bypass-path", bypassPath);
        }
        put(flags, "event-loops", eventLoops);
        put(flags, "connect-timeout", connectTimeout);
        put(flags, "upstream-timeout", upstreamTimeout);
        put(flags, "upstream-idle-timeout", upstreamIdleTimeout);
        put(flags, "upstream-reuse", upstreamReuse);
        put(flags, "client-idle-timeout", clientIdleTimeout);
        put(flags, "client-send-timeout", clientSendTimeout);
        put(flags, "client-header-timeout", clientHeaderTimeout);
        put(flags, "max-connections", maxConnections);
        put(flags, "max-request-line", maxRequestLine);
        put(flags, "max-header-size", maxHeaderSize);
        put(flags, "shutdown-grace", shutdownGrace);
        put(flags, "access-log", accessLog);
        put(flags, "fleet", fleet);
        if (fleetEtcd != null) {
            flags.put("fleet-etcd", fleetEtcd);
        }
        put(flags, "fleet-node", fleetNode);
        put(flags, "fleet-start-hold", fleetStartHold);
        put(flags, ConfigLoader.CONFIG, config);
        return flags;
    }

    private static void put(Map<String, List<String>> flags, String name, String value) {
        if (value != null) {
            flags.put(name, List.of(value));
        }
    }

    /** Builds the configuration from the parsed flags and the environment. */
    ProxyConfig loadConfig() throws ConfigException {
        return ConfigLoader.load(givenFlags(), env);
    }

    @Override
    public Integer call() throws Exception {
        ProxyConfig cfg;
        try {
            cfg = loadConfig();
        } catch (ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("pause-proxy: " + e.getMessage());
            err.flush();
            return 2;
        }
        LOG.info("pause-proxy starting: {}", describe(cfg));
        PauseProxy server = new PauseProxy(cfg);
        InetSocketAddress bound;
        try {
            bound = server.start();
        } catch (Exception e) {
            String message = e instanceof io.pausectl.proxy.server.ListenException ? e.getMessage()
                    : "cannot listen on " + hostPort(cfg.listen()) + " (clients) and " + hostPort(cfg.adminListen())
                    + " (admin API): " + e;
            LOG.error("pause-proxy: {}", message);
            PrintWriter err = spec.commandLine().getErr();
            err.println("pause-proxy: " + message);
            err.flush();
            return 1;
        }
        LOG.info("pause-proxy listening for clients on {} ({} transport, {} event loops)", hostPort(bound),
                server.transportName(), cfg.eventLoops());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("pause-proxy stopping: held requests answered 503 (never forwarded, safe to retry), no new"
                    + " connections, finishing exchanges in progress (grace {})",
                    Durations.format(cfg.shutdownGrace()));
            boolean clean;
            try {
                clean = server.shutdown(cfg.shutdownGrace());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                clean = false;
            }
            LOG.info("pause-proxy stopped{}", clean ? "" : " (some exchanges were cut at the end of the grace period)");
            stopped.countDown();
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
                ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
            }
            // A graceful stop on SIGTERM is a success, not the JVM's default 143.
            Runtime.getRuntime().halt(0);
        }, "pause-proxy-shutdown"));
        stopped.await();
        return 0;
    }

    /** HOST:PORT as the start-up line contract writes it (IPv6 in brackets). */
    static String hostPort(InetSocketAddress address) {
        String host = address.getAddress() instanceof Inet6Address
                ? "[" + address.getAddress().getHostAddress() + "]"
                : address.getAddress().getHostAddress();
        return host + ":" + address.getPort();
    }

    /** The effective configuration in one line; never the admin token itself. */
    static String describe(ProxyConfig c) {
        return "listen=" + hostPort(c.listen())
                + " upstream=" + c.upstreams().stream().map(URI::toString).collect(Collectors.joining(","))
                + " admin-listen=" + hostPort(c.adminListen())
                + " admin-token=" + (c.adminToken().isPresent() ? "set" : "none")
                + " max-queued=" + c.maxQueued()
                + " max-queued-bytes=" + ByteSizes.format(c.maxQueuedBytes())
                + " queue-timeout=" + Durations.format(c.queueTimeout())
                + " max-pause=" + Durations.format(c.maxPause())
                + " drain-concurrency=" + c.drainConcurrency()
                + " drain-rate=" + c.drainRate()
                + " bypass-path=" + String.join(",", c.bypassPaths())
                + " event-loops=" + c.eventLoops()
                + " connect-timeout=" + Durations.format(c.connectTimeout())
                + " upstream-timeout=" + Durations.format(c.upstreamTimeout())
                + " upstream-idle-timeout=" + Durations.format(c.upstreamIdleTimeout())
                + " upstream-reuse=" + c.upstreamReuse().spelling()
                + " client-idle-timeout=" + Durations.format(c.clientIdleTimeout())
                + " client-send-timeout=" + Durations.format(c.clientSendTimeout())
                + " client-header-timeout=" + Durations.format(c.clientHeaderTimeout())
                + " max-connections=" + c.maxConnections()
                + " max-request-line=" + ByteSizes.format(c.maxRequestLineLength())
                + " max-header-size=" + ByteSizes.format(c.maxHeaderSize())
                + " shutdown-grace=" + Durations.format(c.shutdownGrace())
                + " access-log=" + c.accessLog()
                + " fleet=" + c.fleet().map(f -> f.fleet() + " fleet-etcd=" + String.join(",", f.etcd())
                        + " fleet-node=" + f.node() + " fleet-start-hold=" + Durations.format(f.startHold()))
                        .orElse("off");
    }

    /** {@code --version}: the version the build wrote (see {@link BuildVersion}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildVersion.lines("pause-proxy");
        }
    }
}
