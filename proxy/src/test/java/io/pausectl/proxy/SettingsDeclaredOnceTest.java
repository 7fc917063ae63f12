package io.pausectl.proxy;

import io.pausectl.proxy.config.ConfigException;
import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.config.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12, "the pause-proxy settings declared once": every setting {@link Setting} declares is
 * reachable as a flag (through the real command line), an environment variable and a YAML key, with
 * the same grammar and the same default, and the start-up line names it. On the old code the copies
 * disagreed: the help said "Default: 60s" where the start-up line said 1m; {@code --bypass-path
 * "/a, /b"} was refused where {@code PAUSE_PROXY_BYPASS_PATH="/a, /b"} was accepted; a YAML
 * {@code upstream: "http://a,http://b"} was one (refused) URL.
 */
class SettingsDeclaredOnceTest {
    private static final String UPSTREAM = "http://127.0.0.1:9000";

    @TempDir
    Path dir;

    /** A valid value other than the default for every setting, written as a user would. */
    private Map<Setting, String> samples() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "secret\n");
        Path yaml = Files.writeString(dir.resolve("base.yaml"), "max-queued: 3\n");
        Map<Setting, String> m = new LinkedHashMap<>();
        m.put(Setting.LISTEN, "127.0.0.1:18080");
        m.put(Setting.UPSTREAM, "http://127.0.0.1:9001, http://127.0.0.1:9002");
        m.put(Setting.ADMIN_LISTEN, "127.0.0.1:19901");
        m.put(Setting.ADMIN_TOKEN_FILE, token.toString());
        m.put(Setting.MAX_QUEUED, "12");
        m.put(Setting.MAX_QUEUED_BYTES, "1MiB");
        m.put(Setting.QUEUE_TIMEOUT, "1m30s");
        m.put(Setting.MAX_PAUSE, "1.5s");
        m.put(Setting.DRAIN_CONCURRENCY, "7");
        m.put(Setting.DRAIN_RATE, "5");
        m.put(Setting.DRAIN_START_TIMEOUT, "250ms");
        m.put(Setting.BYPASS_PATH, "/healthz, /ready");
        m.put(Setting.EVENT_LOOPS, "3");
        m.put(Setting.TRANSPORT, "nio");
        m.put(Setting.CONNECT_TIMEOUT, "2s");
        m.put(Setting.UPSTREAM_TIMEOUT, "45s");
        m.put(Setting.UPSTREAM_IDLE_TIMEOUT, "500ms");
        m.put(Setting.UPSTREAM_REUSE, "always");
        m.put(Setting.CLIENT_IDLE_TIMEOUT, "2m");
        m.put(Setting.CLIENT_SEND_TIMEOUT, "20s");
        m.put(Setting.CLIENT_HEADER_TIMEOUT, "3s");
        m.put(Setting.MAX_CONNECTIONS, "100");
        m.put(Setting.MAX_REQUEST_LINE, "4KiB");
        m.put(Setting.MAX_HEADER_SIZE, "8KiB");
        m.put(Setting.SHUTDOWN_GRACE, "0s");
        m.put(Setting.ACCESS_LOG, "true");
        m.put(Setting.FLEET, "orders");
        m.put(Setting.FLEET_ETCD, "http://127.0.0.1:2379, http://127.0.0.1:2380");
        m.put(Setting.FLEET_NODE, "node-1");
        m.put(Setting.FLEET_START_HOLD, "5s");
        m.put(Setting.CONFIG, yaml.toString());
        return m;
    }

    /** What a setting needs besides itself to be accepted: an upstream, and the fleet for its companions. */
    private static List<String> needs(Setting s) {
        List<String> args = new ArrayList<>();
        if (s != Setting.UPSTREAM) {
            args.addAll(List.of("--upstream", UPSTREAM));
        }
        if (s == Setting.FLEET_NODE || s == Setting.FLEET_START_HOLD) {
            args.addAll(List.of("--fleet", "orders", "--fleet-etcd", "http://127.0.0.1:2379"));
        }
        if (s == Setting.FLEET) {
            args.addAll(List.of("--fleet-etcd", "http://127.0.0.1:2379"));
        }
        if (s == Setting.FLEET_ETCD) {
            args.addAll(List.of("--fleet", "orders"));
        }
        return args;
    }

    /** The configuration the real command line builds from these arguments and environment. */
    private static ProxyConfig load(Map<String, String> env, List<String> args) throws ConfigException {
        CommandLine cl = PauseProxyMain.commandLine(env);
        cl.parseArgs(args.toArray(String[]::new));
        return ((PauseProxyMain) cl.getCommand()).loadConfig();
    }

    @Test
    void everySettingIsReachableByFlagEnvironmentAndYamlWithOneGrammar() throws Exception {
        Map<Setting, String> samples = samples();
        assertThat(samples.keySet()).as("a sample value for every setting").containsExactlyInAnyOrder(Setting.values());
        for (Setting s : Setting.values()) {
            List<String> flagArgs = new ArrayList<>(needs(s));
            flagArgs.addAll(List.of(s.flag(), samples.get(s)));
            ProxyConfig byFlag = load(Map.of(), flagArgs);
            ProxyConfig byEnv = load(Map.of(s.env(), samples.get(s)), needs(s));
            String expected = Setting.startUpLine(byFlag);
            assertThat(Setting.startUpLine(byEnv)).as("%s from the environment", s.env()).isEqualTo(expected);
            if (s == Setting.CONFIG) {
                assertThat(byFlag.maxQueued()).isEqualTo(3);
                continue;
            }
            assertThat(s.shown(byFlag)).as("%s takes effect", s.flag()).isNotNull()
                    .isNotEqualTo(s.shown(load(Map.of(), List.of("--upstream", UPSTREAM))));

            Path yaml = Files.writeString(dir.resolve(s.key() + ".yaml"), s.key() + ": '" + samples.get(s) + "'\n");
            List<String> fileArgs = new ArrayList<>(needs(s));
            fileArgs.addAll(List.of("--config", yaml.toString()));
            assertThat(Setting.startUpLine(load(Map.of(), fileArgs))).as("'%s' in a YAML file", s.key())
                    .isEqualTo(expected);
            if (s.kind().repeatable()) {
                Path list = Files.writeString(dir.resolve(s.key() + "-list.yaml"), s.key() + ":\n"
                        + Arrays.stream(samples.get(s).split(",")).map(v -> "  - " + v.trim() + "\n")
                        .reduce("", String::concat));
                List<String> listArgs = new ArrayList<>(needs(s));
                listArgs.addAll(List.of("--config", list.toString()));
                assertThat(Setting.startUpLine(load(Map.of(), listArgs))).as("'%s' as a YAML list", s.key())
                        .isEqualTo(expected);
                List<String> repeated = new ArrayList<>(needs(s));
                for (String v : samples.get(s).split(",")) {
                    repeated.addAll(List.of(s.flag(), v.trim()));
                }
                assertThat(Setting.startUpLine(load(Map.of(), repeated))).as("%s repeated", s.flag())
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void aBadValueIsRefusedTheSameWayFromEverySource() throws Exception {
        for (Setting s : Setting.values()) {
            if (s.kind() == Setting.Kind.FILE || s.kind() == Setting.Kind.NAME) {
                continue;
            }
            String bad = s.kind() == Setting.Kind.PATH_PREFIXES ? "healthz" : "1 week";
            List<String> flagArgs = new ArrayList<>(needs(s));
            flagArgs.addAll(List.of(s.flag(), bad));
            String byFlag = refusal(Map.of(), flagArgs);
            assertThat(byFlag).as(s.flag()).startsWith(s.flag() + ": ");
            assertThat(refusal(Map.of(s.env(), bad), needs(s))).as(s.env())
                    .isEqualTo(byFlag + " (from environment " + s.env() + ")");
            Path yaml = Files.writeString(dir.resolve(s.key() + "-bad.yaml"), s.key() + ": '" + bad + "'\n");
            List<String> fileArgs = new ArrayList<>(needs(s));
            fileArgs.addAll(List.of("--config", yaml.toString()));
            assertThat(refusal(Map.of(), fileArgs)).as("'%s' in YAML", s.key())
                    .isEqualTo(byFlag + " (from '" + s.key() + "' in " + yaml + ")");
        }
    }

    /** The README's table of settings is a copy for readers: it names every setting with the same default. */
    @Test
    void theReadmeTableNamesEverySettingWithItsDefault() throws Exception {
        List<String> rows = Files.readAllLines(Path.of("..", "README.md")).stream()
                .filter(l -> l.startsWith("| `--")).toList();
        for (Setting s : Setting.values()) {
            String row = rows.stream().filter(l -> l.startsWith("| `" + s.flag() + " ") || l.startsWith("| `" + s.flag()
                    + "[") || l.startsWith("| `" + s.flag() + "`")).findFirst().orElse(null);
            assertThat(row).as("the README's row for %s", s.flag()).isNotNull();
            String fixed = s.defaultValue() != null && s.defaultHelp().equals(s.defaultValue()) ? s.defaultValue() : null;
            if (fixed != null) {
                assertThat(row.split("(?<!\\\\)\\|")[2].trim()).as("the README's default of %s", s.flag())
                        .isEqualTo("`" + fixed + "`");
            }
        }
    }

    private static String refusal(Map<String, String> env, List<String> args) {
        return org.assertj.core.api.Assertions.catchThrowableOfType(() -> load(env, args), ConfigException.class)
                .getMessage();
    }

    @Test
    void theDefaultsAreTheOnesTheHelpSaysAndTheStartUpLineShowsThemAll() throws Exception {
        ProxyConfig defaults = load(Map.of(), needs(Setting.FLEET_NODE));
        String line = Setting.startUpLine(defaults);
        StringWriter help = new StringWriter();
        CommandLine cl = PauseProxyMain.commandLine(Map.of());
        cl.setOut(new PrintWriter(help));
        assertThat(cl.execute("--help")).isZero();
        // picocli wraps the help, even inside a dotted name: compare it without white space.
        String flowed = help.toString().replaceAll("\\s+", "");
        for (Setting s : Setting.values()) {
            assertThat(flowed).as("the help of " + s.flag()).contains(s.flag() + (s.kind() == Setting.Kind.BOOLEAN
                    ? "[=" + s.label() + "]" : "=" + s.label()), s.help().replaceAll("\\s+", ""));
            if (s == Setting.CONFIG) {
                continue;
            }
            assertThat(" " + line).as("the start-up line").contains(" " + s.key() + "=");
            if (s.defaultValue() != null) {
                assertThat(s.shown(defaults)).as("the default of %s", s.flag()).isEqualTo(s.defaultValue());
            }
        }
        assertThat(line).doesNotContain("secret");
        assertThatThrownBy(() -> load(Map.of(), List.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--upstream");
    }
}
