package io.pausectl.proxy;

import ch.qos.logback.classic.LoggerContext;
import io.pausectl.common.BuildVersion;
import io.pausectl.common.Durations;
import io.pausectl.proxy.config.ConfigException;
import io.pausectl.proxy.config.ConfigLoader;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.config.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
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
                "1:internal error (for example the listen address is in use, or --transport names one not available)",
                "2:invalid flags or configuration (one line on stderr says which and why)"})
public final class PauseProxyMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PauseProxyMain.class);

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
        // Netty 4.2 starts the JDK's flight recorder to declare its allocator's events, recording
        // or not: 18,000 more live objects (a sixth of an idle proxy's heap, each one marked by
        // every full collection), 0.6 MiB of metaspace and 2 MiB of RSS (bench/RESULTS.md,
        // session 13). JAVA_OPTS=-Dio.netty.jfr.enabled=true brings the events back.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // io_uring's multishot accept stays armed in the kernel: out of file descriptors (EMFILE),
        // each failed accept came straight back, past the 1 s back-off the bootstrap's acceptor
        // applies by turning auto-read off, and logged one warning each: 279,558 warnings (97 MB
        // of log) and a spinning loop in 5 s under `ulimit -n 200` with 260 connections, against 5
        // with one accept submitted at a time, as epoll does (review, session 14).
        if (System.getProperty("io.netty.iouring.acceptMultiShotEnabled") == null) {
            System.setProperty("io.netty.iouring.acceptMultiShotEnabled", "false");
        }
        int code = commandLine(System.getenv()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** The command line, wired so that a usage or configuration error is one line and exit code 2. */
    static CommandLine commandLine(Map<String, String> env) {
        CommandSpec spec = CommandSpec.forAnnotatedObject(new PauseProxyMain(env));
        for (Setting setting : Setting.values()) {
            spec.addOption(option(setting));
        }
        CommandLine cl = new CommandLine(spec);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("pause-proxy: " + ex.getMessage() + " (see --help)");
            err.flush();
            return 2;
        });
        return cl;
    }

    /**
     * The option of a setting, as {@link Setting} declares it: its flag, value label and help. A
     * repeatable one may be given several times (the loader splits each value at commas, as it does
     * the environment's and the file's); {@code --access-log} alone means true.
     */
    static OptionSpec option(Setting setting) {
        OptionSpec.Builder b = OptionSpec.builder(setting.flag()).paramLabel(setting.label())
                .description(setting.help());
        if (setting.kind().repeatable()) {
            // The label says the commas; picocli would add "..." of its own.
            b.type(List.class).auxiliaryTypes(String.class).hideParamSyntax(true);
        } else {
            b.type(String.class);
        }
        if (setting.kind() == Setting.Kind.BOOLEAN) {
            b.arity("0..1").fallbackValue("true");
        }
        return b.build();
    }

    /** The flags that were given, keyed by setting name, for {@link ConfigLoader}. */
    Map<String, List<String>> givenFlags() {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            OptionSpec option = spec.findOption(setting.flag());
            Object value = option == null ? null : option.getValue();
            if (value instanceof List<?>) {
                List<String> values = ((List<?>) value).stream().map(String::valueOf).collect(Collectors.toList());
                if (!values.isEmpty()) {
                    flags.put(setting.key(), values);
                }
            } else if (value != null) {
                flags.put(setting.key(), List.of(value.toString()));
            }
        }
        return flags;
    }

    /** Builds the configuration from the parsed flags and the environment. */
    ProxyConfig loadConfig() throws ConfigException {
        return ConfigLoader.load(givenFlags(), env);
    }

    /** The most event loops for which Netty's allocator is told memory is not short ({@link #poolLargeBuffers}). */
    static final int MAX_LOOPS_POOLING_LARGE_BUFFERS = 16;

    /**
     * Tells Netty's adaptive allocator that memory is not short ({@code io.netty.allocator.lowMemory=false})
     * when the proxy runs at most {@link #MAX_LOOPS_POOLING_LARGE_BUFFERS} event loops, unless
     * {@code JAVA_OPTS} set it; before any buffer is allocated, since Netty reads it once.
     *
     * <p>With a heap under 512 MiB (ours is 128 MiB) Netty takes the machine for one short of memory
     * and pools no buffer above 16,896 bytes: each larger one is a fresh direct buffer, zeroed and
     * freed through a Cleaner. An upstream's read size grows to 32 KiB for a 16 KiB answer, so every
     * such answer paid that: 4 % of the proxy's CPU samples in 16 KiB pass-through (async-profiler),
     * and a median 14 % more CPU per request than with them pooled (8 alternated wrk runs). Pooled,
     * they are cached per event loop: after a burst of 1 MiB uploads and answers on 2 connections per
     * loop the allocator kept 1.7, 3.0, 4.3 and 10.6 MiB of direct memory at 2, 4, 8 and 16 loops,
     * but 31 MiB at 32 and 62 of the 64 MiB cap ({@code -XX:MaxDirectMemorySize}) at 96, where the
     * next burst would fail requests; so beyond 16 loops Netty's low-memory mode stays.
     */
    static void poolLargeBuffers(int eventLoops) {
        if (eventLoops <= MAX_LOOPS_POOLING_LARGE_BUFFERS && System.getProperty("io.netty.allocator.lowMemory") == null) {
            System.setProperty("io.netty.allocator.lowMemory", "false");
        }
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
        poolLargeBuffers(cfg.eventLoops());
        PauseProxy server = new PauseProxy(cfg);
        InetSocketAddress bound;
        try {
            bound = server.start();
        } catch (Exception e) {
            String message = e instanceof io.pausectl.proxy.server.ListenException
                    || e instanceof io.pausectl.proxy.server.TransportUnavailableException ? e.getMessage()
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
        return Setting.hostPort(address);
    }

    /** The effective configuration in one line, every setting as {@code name=value}; never the admin token. */
    static String describe(ProxyConfig c) {
        return Setting.startUpLine(c);
    }

    /** {@code --version}: the version the build wrote (see {@link BuildVersion}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildVersion.lines("pause-proxy");
        }
    }
}
