package io.pausectl.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static Map<String, List<String>> flags(String... pairs) {
        Map<String, List<String>> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.computeIfAbsent(pairs[i], k -> new java.util.ArrayList<>()).add(pairs[i + 1]);
        }
        return m;
    }

    @Test
    void defaultsApplyWhenOnlyTheUpstreamIsGiven() throws Exception {
        ProxyConfig c = ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"), Map.of());
        assertThat(c.listen().getPort()).isEqualTo(8080);
        assertThat(c.listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(c.upstreams()).containsExactly(URI.create("http://127.0.0.1:9000"));
        assertThat(c.adminListen().getPort()).isEqualTo(9901);
        assertThat(c.adminToken()).isEmpty();
        assertThat(c.maxQueued()).isEqualTo(10000);
        assertThat(c.maxQueuedBytes()).isEqualTo(64L << 20);
        assertThat(c.queueTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxPause()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.drainConcurrency()).isEqualTo(256);
        assertThat(c.drainRate()).isZero();
        assertThat(c.eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.upstreamTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.maxRequestLineLength()).isEqualTo(8192);
        assertThat(c.maxHeaderSize()).isEqualTo(16384);
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.accessLog()).isFalse();
        assertThat(c.upstreamReuse()).isEqualTo(UpstreamReuse.SAFE);
    }

    @Test
    void upstreamReuseIsReadFromEverySourceAndAnUnknownPolicyIsOneClearLine() throws Exception {
        Path yaml = dir.resolve("reuse.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nupstream-reuse: always\n");
        assertThat(ConfigLoader.load(flags("config", yaml.toString()), Map.of()).upstreamReuse())
                .isEqualTo(UpstreamReuse.ALWAYS);
        assertThat(ConfigLoader.load(flags("config", yaml.toString()), Map.of("PAUSE_PROXY_UPSTREAM_REUSE", "safe"))
                .upstreamReuse()).isEqualTo(UpstreamReuse.SAFE);
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000", "upstream-reuse", "ALWAYS"),
                Map.of("PAUSE_PROXY_UPSTREAM_REUSE", "safe")).upstreamReuse()).isEqualTo(UpstreamReuse.ALWAYS);
        assertThatThrownBy(() -> ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"),
                Map.of("PAUSE_PROXY_UPSTREAM_REUSE", "never")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--upstream-reuse: 'never' is not safe or always (from environment PAUSE_PROXY_UPSTREAM_REUSE)");
    }

    @Test
    void transportIsAutoByDefaultAndAnUnknownOneIsOneClearLine() throws Exception {
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"), Map.of()).transport())
                .isEqualTo(TransportChoice.AUTO);
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"),
                Map.of("PAUSE_PROXY_TRANSPORT", "IO_URING")).transport()).isEqualTo(TransportChoice.IO_URING);
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000", "transport", "epoll"),
                Map.of("PAUSE_PROXY_TRANSPORT", "nio")).transport()).isEqualTo(TransportChoice.EPOLL);
        assertThatThrownBy(() -> ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000", "transport", "kqueue"),
                Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--transport: 'kqueue' is not auto, io_uring, epoll or nio");
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFile() throws Exception {
        Path yaml = dir.resolve("p.yaml");
        Files.writeString(yaml, String.join("\n",
                "listen: 127.0.0.1:1111",
                "upstream: [http://127.0.0.1:9001, http://127.0.0.1:9002]",
                "queue-timeout: 10s",
                "max-queued: 5",
                "bypass-path: /healthz",
                "access-log: true",
                ""));
        Map<String, String> env = Map.of(
                "PAUSE_PROXY_QUEUE_TIMEOUT", "20s",
                "PAUSE_PROXY_MAX_QUEUED", "6",
                "PAUSE_PROXY_BYPASS_PATH", "/a, /b");
        ProxyConfig c = ConfigLoader.load(flags("config", yaml.toString(), "max-queued", "7"), env);
        assertThat(c.listen().getPort()).isEqualTo(1111);
        assertThat(c.upstreams()).containsExactly(URI.create("http://127.0.0.1:9001"), URI.create("http://127.0.0.1:9002"));
        assertThat(c.queueTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.maxQueued()).isEqualTo(7);
        assertThat(c.bypassPaths()).containsExactly("/a", "/b");
        assertThat(c.accessLog()).isTrue();
    }

    @Test
    void theConfigFileCanBeNamedByTheEnvironment() throws Exception {
        Path yaml = dir.resolve("p.yaml");
        Files.writeString(yaml, "upstream: http://localhost:9000\n");
        ProxyConfig c = ConfigLoader.load(Map.of(), Map.of("PAUSE_PROXY_CONFIG", yaml.toString()));
        assertThat(c.upstreams()).containsExactly(URI.create("http://localhost:9000"));
    }

    @Test
    void theUpstreamPortDefaultsTo80() throws Exception {
        ProxyConfig c = ConfigLoader.load(flags("upstream", "http://example.internal/"), Map.of());
        assertThat(c.upstreams()).containsExactly(URI.create("http://example.internal:80"));
    }

    @Test
    void theAdminTokenIsReadTrimmedFromItsFile() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "  s3cret\n");
        ProxyConfig c = ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000", "admin-token-file", token.toString(),
                "admin-listen", "0.0.0.0:9901"), Map.of());
        assertThat(c.adminToken()).contains("s3cret");
    }

    private static void assertRefused(Map<String, List<String>> flags, Map<String, String> env, String message) {
        assertThatThrownBy(() -> ConfigLoader.load(flags, env))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void badValuesAreRefusedWithOneLineNamingTheFlagAndTheSource() throws Exception {
        Map<String, List<String>> up = flags("upstream", "http://127.0.0.1:9000");
        assertRefused(Map.of(), Map.of(),
                "--upstream: at least one upstream is required, e.g. --upstream http://127.0.0.1:9000");
        assertRefused(flags("upstream", "https://x:1"), Map.of(),
                "--upstream: 'https://x:1' must be an http:// URL (TLS to the upstream is not supported)");
        assertRefused(flags("upstream", "http://x:1/base"), Map.of(),
                "--upstream: 'http://x:1/base' must be only http://HOST[:PORT] (no path, query or user)");
        assertRefused(up, Map.of("PAUSE_PROXY_QUEUE_TIMEOUT", "soon"),
                "--queue-timeout: 'soon' is not a duration: write a number and a unit (h, m, s, ms), e.g. 500ms, 30s, 1.5s,"
                        + " 1m30s, 1h"
                        + " (from environment PAUSE_PROXY_QUEUE_TIMEOUT)");
        Map<String, List<String>> badListen = new HashMap<>(up);
        badListen.put("listen", List.of("8080"));
        assertRefused(badListen, Map.of(), "--listen: '8080' is not HOST:PORT, e.g. 127.0.0.1:8080");
        Map<String, List<String>> badPort = new HashMap<>(up);
        badPort.put("listen", List.of("127.0.0.1:70000"));
        assertRefused(badPort, Map.of(), "--listen: '70000' is not a port (0 to 65535)");
        Map<String, List<String>> badLoops = new HashMap<>(up);
        badLoops.put("event-loops", List.of("0"));
        assertRefused(badLoops, Map.of(), "--event-loops: 0 is out of range (1 to 1024)");
        Map<String, List<String>> badSize = new HashMap<>(up);
        badSize.put("max-header-size", List.of("16KB"));
        assertRefused(badSize, Map.of(), "--max-header-size: '16KB' is not a size: write a whole number of bytes"
                + " or one with KiB, MiB or GiB, e.g. 64KiB, 64MiB");
        Map<String, List<String>> zero = new HashMap<>(up);
        zero.put("upstream-timeout", List.of("0"));
        assertRefused(zero, Map.of(), "--upstream-timeout: '0' must be more than 0");
        assertRefused(up, Map.of("PAUSE_PROXY_ACCESS_LOG", "yes"),
                "--access-log: 'yes' is not true or false (from environment PAUSE_PROXY_ACCESS_LOG)");
        Map<String, List<String>> bypass = new HashMap<>(up);
        bypass.put("bypass-path", List.of("healthz"));
        assertRefused(bypass, Map.of(), "--bypass-path: 'healthz' must start with /");
    }

    @Test
    void theAdminApiOffLoopbackNeedsAToken() {
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "admin-listen", "0.0.0.0:9901"), Map.of(),
                "--admin-listen: 0.0.0.0:9901 is not a loopback address, so an admin token is required:"
                        + " give --admin-token-file");
    }

    @Test
    void anEmptyOrMissingTokenFileIsRefused() throws Exception {
        Path empty = dir.resolve("empty");
        Files.writeString(empty, " \n");
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "admin-token-file", empty.toString()), Map.of(),
                "--admin-token-file: " + empty + " is empty");
        Path missing = dir.resolve("missing");
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "admin-token-file", missing.toString()), Map.of(),
                "--admin-token-file: cannot read " + missing + ": no such file");
    }

    @Test
    void fileProblemsNameTheFileAndKey() throws Exception {
        Path yaml = dir.resolve("p.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nqueue-timout: 5s\n");
        assertRefused(flags("config", yaml.toString()), Map.of(), "--config: " + yaml
                + " has an unknown key 'queue-timout' (keys are the flag names without dashes, e.g. queue-timeout)");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-queued: lots\n");
        assertRefused(flags("config", yaml.toString()), Map.of(),
                "--max-queued: 'lots' is not a whole number (from 'max-queued' in " + yaml + ")");
        Files.writeString(yaml, "upstream: [http://127.0.0.1:9000\n");
        assertThatThrownBy(() -> ConfigLoader.load(flags("config", yaml.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--config: " + yaml + " line 1 is not valid YAML: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** Review (session 7): a number the YAML reader turned into 1000.0 was quoted so; quote what the user wrote. */
    @Test
    void aFileValueIsQuotedAsWritten() throws Exception {
        Path yaml = dir.resolve("n.yaml");
        for (String value : List.of("1e3", "1.0", "0x10", "1_000")) {
            Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-queued: " + value + "\n");
            assertRefused(flags("config", yaml.toString()), Map.of(),
                    "--max-queued: '" + value + "' is not a whole number (from 'max-queued' in " + yaml + ")");
        }
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-queued: 7\naccess-log: yes\n");
        ProxyConfig c = ConfigLoader.load(flags("config", yaml.toString()), Map.of());
        assertThat(c.maxQueued()).isEqualTo(7);
        assertThat(c.accessLog()).isTrue();
    }

    /**
     * Review (session 8): an alias was read as its anchor's name ("*t" as the duration "t"), and a
     * second YAML document was dropped without a word (its settings not applied).
     */
    @Test
    void anAliasOrASecondDocumentIsRefusedInOneLine() throws Exception {
        Path yaml = dir.resolve("a.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nqueue-timeout: &t 30s\nmax-pause: *t\n");
        assertRefused(flags("config", yaml.toString()), Map.of(), "--config: " + yaml
                + " line 3: 'max-pause' is the YAML alias *t, which pause-proxy does not follow: write the value itself");
        Files.writeString(yaml, "upstream: &u http://127.0.0.1:9000\nbypass-path: [/health, *u]\n");
        assertThatThrownBy(() -> ConfigLoader.load(flags("config", yaml.toString()), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'bypass-path' is the YAML alias *u");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-queued: 5\n---\nqueue-timeout: 10s\n");
        assertThatThrownBy(() -> ConfigLoader.load(flags("config", yaml.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--config: " + yaml + " line 4 holds a second YAML document (after '---'):"
                        + " put every setting in one")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        for (String end : List.of("---\n", "...\n", "")) {
            Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-queued: 5\n" + end);
            assertThat(ConfigLoader.load(flags("config", yaml.toString()), Map.of()).maxQueued()).as(end).isEqualTo(5);
        }
    }

    /** Review (session 7): an empty item in a list (a,,b; a trailing comma) was dropped without a word. */
    @Test
    void anEmptyItemInAListIsRefused() throws Exception {
        assertRefused(Map.of(), Map.of("PAUSE_PROXY_UPSTREAM", "http://127.0.0.1:9000,,http://127.0.0.1:9001"),
                "--upstream: 'http://127.0.0.1:9000,,http://127.0.0.1:9001' has an empty item (from environment"
                        + " PAUSE_PROXY_UPSTREAM)");
        assertRefused(flags("upstream", "http://127.0.0.1:9000,"), Map.of(),
                "--upstream: 'http://127.0.0.1:9000,' has an empty item");
        Map<String, List<String>> bypass = new HashMap<>(flags("upstream", "http://127.0.0.1:9000"));
        bypass.put("bypass-path", List.of("/healthz", " "));
        assertRefused(bypass, Map.of(), "--bypass-path: ' ' has an empty item");
        Path yaml = dir.resolve("l.yaml");
        Files.writeString(yaml, "upstream: [http://127.0.0.1:9000, '']\n");
        assertRefused(flags("config", yaml.toString()), Map.of(),
                "--upstream: '' has an empty item (from 'upstream' in " + yaml + ")");
        // A value empty as a whole is still an empty list.
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"), Map.of("PAUSE_PROXY_BYPASS_PATH", ""))
                .bypassPaths()).isEmpty();
    }

    @Test
    void everyDurationReadsGoGrammarFromFlagsEnvironmentAndFile() throws Exception {
        Path yaml = dir.resolve("d.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nmax-pause: 1h30m\nshutdown-grace: 0\n");
        Map<String, List<String>> f = flags("config", yaml.toString(), "queue-timeout", "1m30s");
        ProxyConfig c = ConfigLoader.load(f, Map.of("PAUSE_PROXY_UPSTREAM_TIMEOUT", "1.5s"));
        assertThat(c.queueTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.maxPause()).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.upstreamTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.shutdownGrace()).isZero();
    }

    @Test
    void everyDurationIsBoundedWherePreviouslyItOverflowed() throws Exception {
        Map<String, List<String>> up = flags("upstream", "http://127.0.0.1:9000");
        for (String setting : List.of("queue-timeout", "max-pause", "connect-timeout", "upstream-timeout",
                "client-idle-timeout", "shutdown-grace")) {
            for (String value : List.of("9999999h", "9223372037s", "25h")) {
                Map<String, List<String>> f = new HashMap<>(up);
                f.put(setting, List.of(value));
                assertRefused(f, Map.of(), "--" + setting + ": '" + value + "' is too long: at most 24h");
            }
        }
        assertRefused(up, Map.of("PAUSE_PROXY_MAX_PAUSE", "9999999h"),
                "--max-pause: '9999999h' is too long: at most 24h (from environment PAUSE_PROXY_MAX_PAUSE)");
        Path yaml = dir.resolve("o.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nqueue-timeout: PT0S\n");
        assertRefused(flags("config", yaml.toString()), Map.of(), "--queue-timeout: 'PT0S' is not a duration:"
                + " write a number and a unit (h, m, s, ms), e.g. 500ms, 30s, 1.5s, 1m30s, 1h (from 'queue-timeout' in "
                + yaml + ")");
    }

    @Test
    void fleetMembershipIsOffByDefaultAndDeclaredInEverySource(@TempDir Path dir) throws Exception {
        assertThat(ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000"), Map.of()).fleet()).isEmpty();
        Path yaml = dir.resolve("p.yaml");
        Files.writeString(yaml, "upstream: http://127.0.0.1:9000\nfleet: shop\nfleet-etcd:\n  - http://10.0.0.1:2379\n"
                + "  - http://10.0.0.2:2379\nfleet-start-hold: 3s\n");
        ProxyConfig c = ConfigLoader.load(flags("config", yaml.toString()), Map.of("PAUSE_PROXY_FLEET_NODE", "web-1"));
        assertThat(c.fleet()).isPresent();
        assertThat(c.fleet().get().fleet()).isEqualTo("shop");
        assertThat(c.fleet().get().etcd()).containsExactly("http://10.0.0.1:2379", "http://10.0.0.2:2379");
        assertThat(c.fleet().get().node()).isEqualTo("web-1");
        assertThat(c.fleet().get().startHold()).isEqualTo(java.time.Duration.ofSeconds(3));
        ProxyConfig fromEnv = ConfigLoader.load(flags("upstream", "http://127.0.0.1:9000", "fleet", "shop"),
                Map.of("PAUSE_PROXY_FLEET_ETCD", "http://a:1,http://b:2", "HOSTNAME", "pod-7"));
        assertThat(fromEnv.fleet().get().etcd()).containsExactly("http://a:1", "http://b:2");
        assertThat(fromEnv.fleet().get().node()).isEqualTo("pod-7");
        assertThat(fromEnv.fleet().get().startHold()).isEqualTo(java.time.Duration.ofSeconds(10));
    }

    @Test
    void fleetCompanionsWithoutAFleetOrAFleetWithoutEtcdAreRefused() {
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "fleet-etcd", "http://a:1"), Map.of(),
                "--fleet-etcd is for fleet members: give --fleet NAME too");
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "fleet", "shop"), Map.of(),
                "--fleet needs --fleet-etcd URL[,URL...], the etcd client URLs, e.g. http://127.0.0.1:2379");
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "fleet", "shop", "fleet-etcd", "https://a:1"), Map.of(),
                "--fleet-etcd: 'https://a:1' is not an etcd client URL http://HOST:PORT (TLS endpoints are not supported yet)");
        assertRefused(flags("upstream", "http://127.0.0.1:9000", "fleet", "a/b", "fleet-etcd", "http://a:1"), Map.of(),
                "--fleet: fleet name 'a/b' must be 1 to 253 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
}
