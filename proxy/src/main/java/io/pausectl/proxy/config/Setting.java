package io.pausectl.proxy.config;

import io.pausectl.common.ByteSizes;
import io.pausectl.common.Durations;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every pause-proxy setting, declared once: its name, the grammar of its value ({@link Kind} and
 * bounds), its default, its help, and how the start-up line shows it. The command line's options
 * ({@code --NAME}), the environment ({@code PAUSE_PROXY_NAME}), the YAML file's keys ({@code NAME})
 * and the start-up line are all made from this table, so a setting cannot be reachable one way and
 * not another, nor have two defaults. {@link ConfigLoader} parses each kind the same way whatever
 * the source.
 */
public enum Setting {
    LISTEN("listen", Kind.ADDRESS, "HOST:PORT", "0.0.0.0:8080", "Where clients connect.",
            c -> hostPort(c.listen())),
    UPSTREAM("upstream", Kind.UPSTREAM_URLS, "URL[,URL...]", null,
            "Origin base URL, http://HOST[:PORT]; repeat (or separate with commas) for round-robin over several."
                    + " Required.",
            c -> c.upstreams().stream().map(URI::toString).collect(Collectors.joining(","))),
    ADMIN_LISTEN("admin-listen", Kind.ADDRESS, "HOST:PORT", "127.0.0.1:9901",
            "Where the admin API listens. A non-loopback address needs --admin-token-file.",
            c -> hostPort(c.adminListen())),
    ADMIN_TOKEN_FILE("admin-token-file", Kind.FILE, "FILE", null,
            "File holding the admin API's bearer token (trimmed; must not be empty). The start-up line says"
                    + " only whether one is set.",
            c -> c.adminToken().isPresent() ? "set" : "none"),
    MAX_QUEUED("max-queued", Kind.COUNT, "N", "10000", "Most requests held at once; past it, 503 at once.",
            0, Integer.MAX_VALUE, c -> Integer.toString(c.maxQueued())),
    MAX_QUEUED_BYTES("max-queued-bytes", Kind.SIZE, "SIZE", "64MiB",
            "Most bytes kept for held requests; past it, 503 at once.",
            0, Long.MAX_VALUE, c -> ByteSizes.format(c.maxQueuedBytes())),
    QUEUE_TIMEOUT("queue-timeout", Kind.DURATION, "DURATION", "30s",
            "Longest a request is held; then 503 with Retry-After.", c -> Durations.format(c.queueTimeout())),
    MAX_PAUSE("max-pause", Kind.DURATION, "DURATION", "5m", "Cap on any pause lease.",
            c -> Durations.format(c.maxPause())),
    DRAIN_CONCURRENCY("drain-concurrency", Kind.COUNT, "N", "256",
            "Most released-but-unfinished requests while draining.", 1, Integer.MAX_VALUE,
            c -> Integer.toString(c.drainConcurrency())),
    DRAIN_START_TIMEOUT("drain-start-timeout", Kind.DURATION, "DURATION", "1s",
            "Longest a released request counts against --drain-concurrency before its answer starts. A released"
                    + " request stops counting once its response head arrives; one whose answer takes longer (a long-poll,"
                    + " a slow upload) stops counting after this, so slow clients and long answers never stall the"
                    + " drain. 1s: an upstream's start-up work on"
                    + " a request (the burst the drain spreads out) answers within it; the connection pacer gives a"
                    + " new connection the same second.",
            c -> Durations.format(c.drainStartTimeout())),
    DRAIN_RATE("drain-rate", Kind.COUNT, "N", "0", "Most releases per second while draining; 0 for no limit.",
            0, Integer.MAX_VALUE, c -> Integer.toString(c.drainRate())),
    BYPASS_PATH("bypass-path", Kind.PATH_PREFIXES, "PREFIX[,PREFIX...]", null,
            "Path prefix never held (health checks); repeat or separate with commas.",
            c -> String.join(",", c.bypassPaths())),
    EVENT_LOOPS("event-loops", Kind.COUNT, "N", null, "Event loop threads serving clients and upstreams.",
            1, 1024, c -> Integer.toString(c.eventLoops())) {
        @Override
        public String defaultValue() {
            return Integer.toString(Runtime.getRuntime().availableProcessors());
        }

        @Override
        public String defaultHelp() {
            return "the number of cores";
        }
    },
    TRANSPORT("transport", Kind.TRANSPORT, "auto|io_uring|epoll|nio", "auto",
            "Socket transport. auto: io_uring where the kernel allows it (Linux 5.9+, and a seccomp policy that"
                    + " permits it: Docker's default does not), else epoll, else Java NIO. A transport named but not"
                    + " available here stops start-up (exit 1). NIO cannot read TCP_INFO: a request with a body on a new"
                    + " upstream connection then goes out at once, protected by the connection pacing alone.",
            c -> c.transport().spelling()),
    CONNECT_TIMEOUT("connect-timeout", Kind.DURATION, "DURATION", "5s", "Upstream connect timeout (then 502).",
            c -> Durations.format(c.connectTimeout())),
    UPSTREAM_TIMEOUT("upstream-timeout", Kind.DURATION, "DURATION", "1m",
            "Longest an upstream may stay silent: before its response head (then 504) or in the middle of a body"
                    + " (then the response is cut).",
            c -> Durations.format(c.upstreamTimeout())),
    UPSTREAM_IDLE_TIMEOUT("upstream-idle-timeout", Kind.DURATION, "DURATION", "1s",
            "A pooled upstream connection idle this long is closed, never reused; keep it below the upstream's own"
                    + " keep-alive timeout (gunicorn 2s, Node 5s, Apache 5s, nginx 75s).",
            c -> Durations.format(c.upstreamIdleTimeout())),
    UPSTREAM_REUSE("upstream-reuse", Kind.REUSE, "safe|always", "safe",
            "Which requests may go on a pooled upstream connection. safe: only replayable ones (idempotent method,"
                    + " no body); any other (a POST, a request with a body) opens a fresh one, so an upstream"
                    + " closing an idle connection never fails it. always: every request may reuse; a write that"
                    + " meets a closing connection gets 502.",
            c -> c.upstreamReuse().spelling()),
    CLIENT_IDLE_TIMEOUT("client-idle-timeout", Kind.DURATION, "DURATION", "1m",
            "A client connection idle this long between requests is closed; so is a tunnel whose client ended its"
                    + " output (half-closed) and from which nothing was read for this long.",
            c -> Durations.format(c.clientIdleTimeout())),
    CLIENT_SEND_TIMEOUT("client-send-timeout", Kind.DURATION, "DURATION", "1m",
            "A client that takes none of what is written to it for this long is cut, and the upstream connection"
                    + " feeding it closed.",
            c -> Durations.format(c.clientSendTimeout())),
    CLIENT_HEADER_TIMEOUT("client-header-timeout", Kind.DURATION, "DURATION", "10s",
            "A request head begun must be complete within this (then 408 and close).",
            c -> Durations.format(c.clientHeaderTimeout())),
    MAX_CONNECTIONS("max-connections", Kind.COUNT, "N", null,
            "Most client connections open at once; past it a new one gets 503 and is closed.", 1, Integer.MAX_VALUE,
            c -> Integer.toString(c.maxConnections())) {
        @Override
        public String defaultValue() {
            return Integer.toString(ConfigLoader.defaultMaxConnections());
        }

        @Override
        public String defaultHelp() {
            return "half of what the open-files limit leaves after 256";
        }
    },
    MAX_REQUEST_LINE("max-request-line", Kind.SIZE, "SIZE", "8KiB", "Longest request line (then 414).",
            64, 1 << 20, c -> ByteSizes.format(c.maxRequestLineLength())),
    MAX_HEADER_SIZE("max-header-size", Kind.SIZE, "SIZE", "16KiB", "Largest request head (then 431).",
            256, 1 << 20, c -> ByteSizes.format(c.maxHeaderSize())),
    SHUTDOWN_GRACE("shutdown-grace", Kind.DURATION_OR_ZERO, "DURATION", "30s",
            "On SIGTERM, how long exchanges in progress may take to finish; tunnels (upgraded connections) are not"
                    + " waited for, and are closed once the exchanges are done.",
            c -> Durations.format(c.shutdownGrace())),
    ACCESS_LOG("access-log", Kind.BOOLEAN, "BOOL", "false",
            "Log one line per request (logger io.pausectl.proxy.access); --access-log alone means true.",
            c -> Boolean.toString(c.accessLog())),
    FLEET("fleet", Kind.NAME, "NAME", null,
            "Join fleet NAME paused through etcd (pausectl --etcd URL --fleet NAME run): follow its pause intent"
                    + " under a local lease renewed only while etcd still shows it.",
            c -> c.fleet().map(f -> f.fleet()).orElse("off")) {
        @Override
        public String defaultHelp() {
            return "off";
        }
    },
    FLEET_ETCD("fleet-etcd", Kind.URLS, "URL[,URL...]", null,
            "With --fleet: etcd client URLs, http://HOST:PORT; repeat or separate with commas.",
            c -> c.fleet().map(f -> String.join(",", f.etcd())).orElse(null)),
    FLEET_NODE("fleet-node", Kind.NAME, "NAME", null, "With --fleet: this node's name in the fleet.",
            c -> c.fleet().map(f -> f.node()).orElse(null)) {
        @Override
        public String defaultHelp() {
            return "the host name ($HOSTNAME, a pod's name)";
        }
    },
    FLEET_START_HOLD("fleet-start-hold", Kind.DURATION, "DURATION", "10s",
            "With --fleet: at start, hold requests until the intent is read from etcd, for at most this (then serve).",
            c -> c.fleet().map(f -> Durations.format(f.startHold())).orElse(null)),
    /** The YAML file itself: a flag or environment variable only, never a key in the file. */
    CONFIG("config", Kind.FILE, "FILE", null, "YAML file with settings (keys are the flag names).", c -> null);

    /** The grammar of a setting's value; the same whichever source gives it. */
    public enum Kind {
        /** HOST:PORT, an IPv6 host in brackets. */
        ADDRESS,
        /** http://HOST[:PORT], repeatable. */
        UPSTREAM_URLS,
        /** A file's path. */
        FILE,
        /** A whole number between the setting's bounds. */
        COUNT,
        /** A size (512, 64KiB, 64MiB) between the setting's bounds. */
        SIZE,
        /** A duration in Go's grammar, more than 0 and at most 24h. */
        DURATION,
        /** A duration in Go's grammar, 0 or more and at most 24h. */
        DURATION_OR_ZERO,
        /** Path prefixes starting with /, repeatable. */
        PATH_PREFIXES,
        /** true or false. */
        BOOLEAN,
        /** safe or always. */
        REUSE,
        /** auto, io_uring, epoll or nio. */
        TRANSPORT,
        /** A fleet or node name. */
        NAME,
        /** http://HOST:PORT URLs, repeatable. */
        URLS;

        /** Whether a value may be given several times (a YAML list; commas anywhere). */
        public boolean repeatable() {
            return this == UPSTREAM_URLS || this == PATH_PREFIXES || this == URLS;
        }
    }

    /** Prefix of every environment variable the proxy reads. */
    public static final String ENV_PREFIX = "PAUSE_PROXY_";

    private final String key;
    private final Kind kind;
    private final String label;
    private final String defaultValue;
    private final String help;
    private final long min;
    private final long max;
    private final Function<ProxyConfig, String> shown;

    Setting(String key, Kind kind, String label, String defaultValue, String help, Function<ProxyConfig, String> shown) {
        this(key, kind, label, defaultValue, help, 0, Long.MAX_VALUE, shown);
    }

    Setting(String key, Kind kind, String label, String defaultValue, String help, long min, long max,
            Function<ProxyConfig, String> shown) {
        this.key = key;
        this.kind = kind;
        this.label = label;
        this.defaultValue = defaultValue;
        this.help = help;
        this.min = min;
        this.max = max;
        this.shown = shown;
    }

    /** The name: the YAML key, the flag without its dashes ({@code queue-timeout}). */
    public String key() {
        return key;
    }

    /** The command-line flag: {@code --queue-timeout}. */
    public String flag() {
        return "--" + key;
    }

    /** The environment variable: {@code PAUSE_PROXY_QUEUE_TIMEOUT}. */
    public String env() {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public Kind kind() {
        return kind;
    }

    /** What the help writes for the value: {@code DURATION}, {@code URL[,URL...]}. */
    public String label() {
        return label;
    }

    /** The default, in the setting's own grammar, or null when it has none (the setting is off or required). */
    public String defaultValue() {
        return defaultValue;
    }

    /** The default as the help says it: the value itself, or words for one computed at start. */
    public String defaultHelp() {
        return defaultValue;
    }

    /** The help: what the setting does, then its default. */
    public String help() {
        String d = defaultHelp();
        return d == null ? help : help + " Default: " + d + ".";
    }

    /** The lower bound of a {@link Kind#COUNT} or {@link Kind#SIZE}. */
    public long min() {
        return min;
    }

    /** The upper bound of a {@link Kind#COUNT} or {@link Kind#SIZE}. */
    public long max() {
        return max;
    }

    /** How the start-up line shows the setting's effective value, or null when it does not apply. */
    public String shown(ProxyConfig config) {
        return shown.apply(config);
    }

    /** The setting named {@code key} (a YAML key, a flag without dashes), or null. */
    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** The effective configuration in one line, every setting as {@code name=value}; never the admin token. */
    public static String startUpLine(ProxyConfig config) {
        StringBuilder line = new StringBuilder();
        for (Setting s : values()) {
            String value = s.shown(config);
            if (value != null) {
                line.append(line.length() == 0 ? "" : " ").append(s.key).append('=').append(value);
            }
        }
        return line.toString();
    }

    /** HOST:PORT as the start-up line writes it (IPv6 in brackets). */
    public static String hostPort(InetSocketAddress address) {
        String host = address.getAddress() instanceof Inet6Address
                ? "[" + address.getAddress().getHostAddress() + "]"
                : address.getAddress().getHostAddress();
        return host + ":" + address.getPort();
    }
}
