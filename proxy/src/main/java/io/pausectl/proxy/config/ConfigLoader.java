package io.pausectl.proxy.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.pausectl.common.ByteSizes;
import io.pausectl.common.Durations;
import io.pausectl.proxy.fleet.FleetSettings;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Folds the three configuration sources into one validated {@link ProxyConfig}: flags win over
 * {@code PAUSE_PROXY_*} environment variables, which win over the YAML file named by
 * {@code --config} (or {@code PAUSE_PROXY_CONFIG}). The settings, their names, grammars, bounds
 * and defaults are those {@link Setting} declares: flag {@code --queue-timeout}, environment
 * {@code PAUSE_PROXY_QUEUE_TIMEOUT}, YAML key {@code queue-timeout}, one grammar for all three.
 * Repeatable settings ({@code upstream}, {@code bypass-path}, {@code fleet-etcd}) may be repeated
 * as flags or a YAML list, and any of their values may hold several, comma-separated.
 */
public final class ConfigLoader {
    /** Prefix of every environment variable the proxy reads. */
    public static final String ENV_PREFIX = Setting.ENV_PREFIX;
    /** The setting that names the YAML file; a flag or environment variable only. */
    public static final String CONFIG = Setting.CONFIG.key();
    /**
     * The longest timeout, pause or grace any setting takes: longer is surely a typo, and keeps every
     * deadline the proxy computes from a setting far from overflow.
     */
    static final Duration MAX_DURATION = Duration.ofHours(24);

    private final Map<String, List<String>> flags;
    private final Map<String, String> env;
    private Map<String, List<String>> file = Map.of();
    private String fileName = "";

    private ConfigLoader(Map<String, List<String>> flags, Map<String, String> env) {
        this.flags = flags;
        this.env = env;
    }

    /**
     * Builds the configuration.
     *
     * @param flags values given on the command line, keyed by setting name without dashes (only
     *              the flags that were given); {@code config} names the YAML file
     * @param env   the process environment
     * @throws ConfigException naming the first setting that is wrong, where it came from and why
     */
    public static ProxyConfig load(Map<String, List<String>> flags, Map<String, String> env) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(flags, env);
        loader.checkEnvironment();
        loader.readFile();
        return loader.build();
    }

    /** The environment variable for a setting: {@code queue-timeout} → {@code PAUSE_PROXY_QUEUE_TIMEOUT}. */
    public static String envName(String setting) {
        return ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String envName(Setting setting) {
        return setting.env();
    }

    /**
     * Refuses a {@code PAUSE_PROXY_*} variable that names no setting: a misspelt one would otherwise be
     * ignored without a word, and the default used instead.
     */
    private void checkEnvironment() throws ConfigException {
        Set<String> known = new java.util.TreeSet<>();
        for (Setting s : Setting.values()) {
            known.add(s.env());
        }
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
                throw new ConfigException("environment " + name + " is not a pause-proxy setting" + closest(name, known)
                        + " (unset it; the settings are PAUSE_PROXY_ and a flag's name, e.g. PAUSE_PROXY_QUEUE_TIMEOUT)");
            }
        }
    }

    /** {@code " (did you mean X?)"} for the known name nearest to a misspelt one, or nothing. */
    private static String closest(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Why a file could not be read, in words: {@code no such file}, {@code permission denied}... */
    static String unreadable(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("is a directory")) {
            return "it is a directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private void readFile() throws ConfigException {
        Raw raw = raw(Setting.CONFIG);
        if (raw == null) {
            return;
        }
        Path path = Path.of(raw.single());
        fileName = path.toString();
        Map<String, List<String>> values = new LinkedHashMap<>();
        // Read token by token, not as a tree: a tree keeps 1e3 as the number 1000.0, and an error must quote
        // what the user wrote.
        try (JsonParser p = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
                .createParser(Files.readString(path, StandardCharsets.UTF_8))) {
            JsonToken token = p.nextToken();
            if (token == null || token == JsonToken.VALUE_NULL) {
                return;
            }
            if (token != JsonToken.START_OBJECT) {
                throw new ConfigException("--config: " + path + " must be a mapping of setting names to values");
            }
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                Setting setting = Setting.byKey(key);
                if (setting == null || setting == Setting.CONFIG) {
                    throw new ConfigException("--config: " + path + " has an unknown key '" + key
                            + "' (keys are the flag names without dashes, e.g. queue-timeout)");
                }
                List<String> list = new ArrayList<>();
                token = p.nextToken();
                if (token == JsonToken.START_ARRAY) {
                    if (!setting.kind().repeatable()) {
                        throw new ConfigException("--config: " + path + ": '" + key + "' takes one value, not a list");
                    }
                    while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (token == null || !token.isScalarValue()) {
                            throw new ConfigException("--config: " + path + ": '" + key + "' must be a list of strings");
                        }
                        list.add(scalar(p, token, path, key));
                    }
                } else if (token != null && token.isScalarValue() && token != JsonToken.VALUE_NULL) {
                    list.add(scalar(p, token, path, key));
                } else if (token != JsonToken.VALUE_NULL) {
                    throw new ConfigException("--config: " + path + ": '" + key + "' must be a plain value");
                }
                values.put(key, list);
            }
            // One document: a second one ("---" and more settings) was dropped without a word. An
            // empty one after it (a trailing "---") says nothing and is let be.
            token = p.nextToken();
            if (token == JsonToken.VALUE_NULL) {
                token = p.nextToken();
            }
            if (token != null) {
                throw new ConfigException("--config: " + path + line(p) + " holds a second YAML document (after"
                        + " '---'): put every setting in one" + raw.from());
            }
        } catch (JacksonException e) {
            String message = e.getOriginalMessage().lines().findFirst().orElse("");
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            if (message.startsWith("Duplicate field '")) {
                String key = message.substring("Duplicate field '".length(), message.lastIndexOf('\''));
                throw new ConfigException("--config: " + path + (line > 0 ? " line " + line : "") + ": '" + key
                        + "' is set twice (keep one)" + raw.from());
            }
            throw new ConfigException("--config: " + path + (line > 0 ? " line " + line : "") + " is not valid YAML: "
                    + message + raw.from());
        } catch (IOException e) {
            throw new ConfigException("--config: cannot read " + path + ": " + unreadable(e) + raw.from());
        }
        file = values;
    }

    /**
     * A scalar as the user wrote it ({@code 1e3}, not {@code 1000.0}); YAML's booleans ({@code yes},
     * {@code on}) as {@code true}/{@code false}, as YAML means them.
     */
    private static String scalar(JsonParser p, JsonToken token, Path path, String key) throws IOException, ConfigException {
        if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            // The streaming parser gives an alias as its anchor's name ("*t" read as "t"): refused, not
            // misread. Anchors and aliases are rare in a file of a few settings.
            throw new ConfigException("--config: " + path + line(p) + ": '" + key + "' is the YAML alias *"
                    + p.getText() + ", which pause-proxy does not follow: write the value itself");
        }
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return Boolean.toString(token == JsonToken.VALUE_TRUE);
        }
        return p.getText();
    }

    private static String line(JsonParser p) {
        var location = p.currentLocation();
        return location == null || location.getLineNr() <= 0 ? "" : " line " + location.getLineNr();
    }

    private ProxyConfig build() throws ConfigException {
        checkLists();
        InetSocketAddress listen = address(Setting.LISTEN);
        List<URI> upstreams = upstreams();
        InetSocketAddress adminListen = address(Setting.ADMIN_LISTEN);
        Optional<String> adminToken = adminToken();
        if (adminToken.isEmpty() && !adminListen.getAddress().isLoopbackAddress()) {
            Raw raw = raw(Setting.ADMIN_LISTEN);
            throw new ConfigException("--admin-listen: " + raw.single() + " is not a loopback address, so an admin"
                    + " token is required: give --admin-token-file" + raw.from());
        }
        int maxQueued = integer(Setting.MAX_QUEUED);
        long maxQueuedBytes = size(Setting.MAX_QUEUED_BYTES);
        Duration queueTimeout = duration(Setting.QUEUE_TIMEOUT);
        Duration maxPause = duration(Setting.MAX_PAUSE);
        int drainConcurrency = integer(Setting.DRAIN_CONCURRENCY);
        int drainRate = integer(Setting.DRAIN_RATE);
        Duration drainStartTimeout = duration(Setting.DRAIN_START_TIMEOUT);
        List<String> bypassPaths = bypassPaths();
        int eventLoops = integer(Setting.EVENT_LOOPS);
        TransportChoice transport = transport();
        Duration connectTimeout = duration(Setting.CONNECT_TIMEOUT);
        Duration upstreamTimeout = duration(Setting.UPSTREAM_TIMEOUT);
        Duration clientIdleTimeout = duration(Setting.CLIENT_IDLE_TIMEOUT);
        // Below gunicorn's 2 s keep-alive, the shortest common one: see UpstreamConnectionPool.
        Duration upstreamIdleTimeout = duration(Setting.UPSTREAM_IDLE_TIMEOUT);
        UpstreamReuse upstreamReuse = upstreamReuse();
        Duration clientSendTimeout = duration(Setting.CLIENT_SEND_TIMEOUT);
        Duration clientHeaderTimeout = duration(Setting.CLIENT_HEADER_TIMEOUT);
        int maxConnections = integer(Setting.MAX_CONNECTIONS);
        int maxRequestLine = (int) size(Setting.MAX_REQUEST_LINE);
        int maxHeaderSize = (int) size(Setting.MAX_HEADER_SIZE);
        Duration shutdownGrace = duration(Setting.SHUTDOWN_GRACE);
        boolean accessLog = bool(Setting.ACCESS_LOG);
        Optional<FleetSettings> fleet = fleet();
        return new ProxyConfig(listen, upstreams, adminListen, adminToken, maxQueued, maxQueuedBytes, queueTimeout,
                maxPause, drainConcurrency, drainRate, drainStartTimeout, bypassPaths, eventLoops, transport, connectTimeout, upstreamTimeout,
                clientIdleTimeout, upstreamIdleTimeout, upstreamReuse, clientSendTimeout, clientHeaderTimeout, maxConnections,
                maxRequestLine, maxHeaderSize, shutdownGrace, accessLog, fleet);
    }

    /**
     * The default {@code --max-connections}: half of what the open-files limit leaves after 256
     * descriptors for the process itself, since each client connection may need an upstream one.
     * Below the limit, a flood of slow clients is refused with a 503 instead of starving every
     * connection, upstream ones included, of descriptors.
     */
    static int defaultMaxConnections() {
        long limit = 4096;
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            limit = ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
        }
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, (limit - 256) / 2));
    }

    /** One setting's value(s) and a description of where they came from. */
    private record Raw(Setting setting, List<String> values, String source) {
        String single() throws ConfigException {
            if (values.size() != 1) {
                throw new ConfigException(setting.flag() + ": give one value, not " + values.size() + from());
            }
            return values.get(0);
        }

        String from() {
            return source.isEmpty() ? "" : " (from " + source + ")";
        }
    }

    /**
     * The value of a setting from the source that wins, or null when none sets it. The values of a
     * repeatable setting are split at commas and trimmed, from every source alike.
     */
    private Raw raw(Setting setting) {
        List<String> given = given(setting);
        return given == null ? null : new Raw(setting, values(setting, given), source(setting));
    }

    /** The values of the source that wins, as given (not split), or null when none sets the setting. */
    private List<String> given(Setting setting) {
        List<String> flag = flags.get(setting.key());
        if (flag != null && !flag.isEmpty()) {
            return flag;
        }
        String envValue = env.get(setting.env());
        if (envValue != null) {
            return List.of(envValue);
        }
        return file.get(setting.key());
    }

    private String source(Setting setting) {
        List<String> flag = flags.get(setting.key());
        if (flag != null && !flag.isEmpty()) {
            return "";
        }
        return env.get(setting.env()) != null ? "environment " + setting.env() : "'" + setting.key() + "' in " + fileName;
    }

    /**
     * Refuses an empty item in a list setting ({@code a,,b}, a trailing comma, an empty list item in the
     * file): dropping it without a word would hide a typo. A value that is empty as a whole still means
     * an empty list.
     */
    private void checkLists() throws ConfigException {
        for (Setting setting : Setting.values()) {
            List<String> given = setting.kind().repeatable() ? given(setting) : null;
            if (given == null) {
                continue;
            }
            for (String value : given) {
                if (value.isBlank() && given.size() == 1) {
                    continue;
                }
                for (String part : value.split(",", -1)) {
                    if (part.isBlank()) {
                        String from = source(setting);
                        throw new ConfigException(setting.flag() + ": '" + value + "' has an empty item"
                                + (from.isEmpty() ? "" : " (from " + from + ")"));
                    }
                }
            }
        }
    }

    private static List<String> values(Setting setting, List<String> given) {
        if (!setting.kind().repeatable()) {
            return given;
        }
        List<String> out = new ArrayList<>();
        for (String value : given) {
            out.addAll(splitComma(value));
        }
        return out;
    }

    private Raw rawOrDefault(Setting setting) {
        Raw raw = raw(setting);
        return raw != null ? raw : new Raw(setting, List.of(setting.defaultValue()), "default");
    }

    private static List<String> splitComma(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String trimmed = part.trim();
            if (!trimmed.isEmpty()) {
                out.add(trimmed);
            }
        }
        return out;
    }

    private InetSocketAddress address(Setting setting) throws ConfigException {
        Raw raw = rawOrDefault(setting);
        String text = raw.single().trim();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException(setting.flag() + ": '" + text + "' is not HOST:PORT, e.g. 127.0.0.1:8080" + raw.from());
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = port(setting, text.substring(colon + 1), raw);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException(setting.flag() + ": cannot resolve host '" + host + "'" + raw.from());
        }
    }

    private static int port(Setting setting, String text, Raw raw) throws ConfigException {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(setting.flag() + ": '" + text + "' is not a port (0 to 65535)" + raw.from());
        }
        return port;
    }

    private List<URI> upstreams() throws ConfigException {
        Raw raw = raw(Setting.UPSTREAM);
        if (raw == null || raw.values().isEmpty()) {
            throw new ConfigException("--upstream: at least one upstream is required, e.g. --upstream http://127.0.0.1:9000");
        }
        List<URI> out = new ArrayList<>();
        for (String text : raw.values()) {
            URI uri;
            try {
                uri = new URI(text.trim());
            } catch (URISyntaxException e) {
                throw new ConfigException("--upstream: '" + text + "' is not a URL: " + e.getReason() + raw.from());
            }
            if (!"http".equalsIgnoreCase(uri.getScheme())) {
                throw new ConfigException("--upstream: '" + text + "' must be an http:// URL (TLS to the upstream"
                        + " is not supported)" + raw.from());
            }
            if (uri.getHost() == null) {
                throw new ConfigException("--upstream: '" + text + "' has no host" + raw.from());
            }
            if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
                    || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
                throw new ConfigException("--upstream: '" + text + "' must be only http://HOST[:PORT] (no path, query"
                        + " or user)" + raw.from());
            }
            int port = uri.getPort() == -1 ? 80 : uri.getPort();
            if (port == 0) {
                throw new ConfigException("--upstream: '" + text + "' has port 0" + raw.from());
            }
            out.add(URI.create("http://" + uri.getHost() + ":" + port));
        }
        return out;
    }

    private Optional<String> adminToken() throws ConfigException {
        Raw raw = raw(Setting.ADMIN_TOKEN_FILE);
        if (raw == null) {
            return Optional.empty();
        }
        Path path = Path.of(raw.single());
        String token;
        try {
            token = Files.readString(path, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ConfigException("--admin-token-file: cannot read " + path + ": " + unreadable(e) + raw.from());
        }
        if (token.isEmpty()) {
            throw new ConfigException("--admin-token-file: " + path + " is empty" + raw.from());
        }
        return Optional.of(token);
    }

    private int integer(Setting setting) throws ConfigException {
        Raw raw = rawOrDefault(setting);
        long min = setting.min();
        long max = setting.max();
        String text = raw.single().trim();
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(setting.flag() + ": '" + text + "' is not a whole number" + raw.from());
        }
        if (value < min || value > max) {
            throw new ConfigException(setting.flag() + ": " + value + " is out of range (" + min + " to " + max + ")" + raw.from());
        }
        return (int) value;
    }

    private long size(Setting setting) throws ConfigException {
        Raw raw = rawOrDefault(setting);
        long min = setting.min();
        long max = setting.max();
        long value;
        try {
            value = ByteSizes.parse(raw.single());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting.flag() + ": " + e.getMessage() + raw.from());
        }
        if (value < min || value > max) {
            throw new ConfigException(setting.flag() + ": " + raw.single().trim() + " is out of range ("
                    + ByteSizes.format(min) + " to " + ByteSizes.format(max) + ")" + raw.from());
        }
        return value;
    }

    /** A duration from 0 ({@link Setting.Kind#DURATION_OR_ZERO}) or more than 0 to {@link #MAX_DURATION}. */
    private Duration duration(Setting setting) throws ConfigException {
        Raw raw = rawOrDefault(setting);
        Duration min = setting.kind() == Setting.Kind.DURATION_OR_ZERO ? Duration.ZERO : Duration.ofMillis(1);
        try {
            return Durations.parse(raw.single(), min, MAX_DURATION);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting.flag() + ": " + e.getMessage() + raw.from());
        }
    }

    private boolean bool(Setting setting) throws ConfigException {
        Raw raw = rawOrDefault(setting);
        String text = raw.single().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true")) {
            return true;
        }
        if (text.equals("false")) {
            return false;
        }
        throw new ConfigException(setting.flag() + ": '" + raw.single() + "' is not true or false" + raw.from());
    }

    private UpstreamReuse upstreamReuse() throws ConfigException {
        Raw raw = rawOrDefault(Setting.UPSTREAM_REUSE);
        UpstreamReuse reuse = UpstreamReuse.parse(raw.single());
        if (reuse == null) {
            throw new ConfigException("--upstream-reuse: '" + raw.single() + "' is not safe or always" + raw.from());
        }
        return reuse;
    }

    private TransportChoice transport() throws ConfigException {
        Raw raw = rawOrDefault(Setting.TRANSPORT);
        TransportChoice transport = TransportChoice.parse(raw.single());
        if (transport == null) {
            throw new ConfigException("--transport: '" + raw.single() + "' is not auto, io_uring, epoll or nio"
                    + raw.from());
        }
        return transport;
    }

    /** {@code --fleet} and its companions: all of them or none. */
    private Optional<FleetSettings> fleet() throws ConfigException {
        Raw name = raw(Setting.FLEET);
        if (name == null) {
            for (Setting companion : List.of(Setting.FLEET_ETCD, Setting.FLEET_NODE, Setting.FLEET_START_HOLD)) {
                Raw raw = raw(companion);
                if (raw != null) {
                    throw new ConfigException(companion.flag() + " is for fleet members: give --fleet NAME too" + raw.from());
                }
            }
            return Optional.empty();
        }
        String fleet = name.single().trim();
        try {
            io.pausectl.fleet.FleetKeys.checkName("--fleet: fleet", fleet);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + name.from());
        }
        Raw etcd = raw(Setting.FLEET_ETCD);
        if (etcd == null || etcd.values().isEmpty()) {
            throw new ConfigException("--fleet needs --fleet-etcd URL[,URL...], the etcd client URLs, e.g."
                    + " http://127.0.0.1:2379" + name.from());
        }
        try {
            io.pausectl.fleet.EtcdClient.parse(etcd.values());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--fleet-etcd: " + e.getMessage() + etcd.from());
        }
        Raw nodeRaw = raw(Setting.FLEET_NODE);
        String node = nodeRaw == null ? defaultNodeName() : nodeRaw.single().trim();
        try {
            io.pausectl.fleet.FleetKeys.checkName("--fleet-node: node", node);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + (nodeRaw == null ? " (the host name; give --fleet-node)"
                    : nodeRaw.from()));
        }
        Duration startHold = duration(Setting.FLEET_START_HOLD);
        return Optional.of(new FleetSettings(fleet, etcd.values(), node, startHold));
    }

    /** The host name (a pod's name in Kubernetes), the default node name. */
    private String defaultNodeName() {
        String fromEnv = env.get("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "pause-proxy";
        }
    }

    private List<String> bypassPaths() throws ConfigException {
        Raw raw = raw(Setting.BYPASS_PATH);
        if (raw == null) {
            return List.of();
        }
        for (String path : raw.values()) {
            if (!path.startsWith("/")) {
                throw new ConfigException("--bypass-path: '" + path + "' must start with /" + raw.from());
            }
        }
        return raw.values();
    }
}
