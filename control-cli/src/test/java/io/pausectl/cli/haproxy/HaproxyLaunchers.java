package io.pausectl.cli.haproxy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The HAProxies the integration suite runs against, each a {@link HaproxyLauncher}:
 * <ul>
 *   <li>{@code distribution}: the installed {@code haproxy} ({@code $HAPROXY_BIN}, else the PATH,
 *       /usr/sbin, /usr/local/sbin), 2.6.12 on Debian 12;</li>
 *   <li>{@code trixie-source}: 3.0.x built from Debian 13's source package by
 *       {@code scripts/haproxy-3.0.sh} ({@code $HAPROXY_30_BIN}, else that script's cache);</li>
 *   <li>{@code container}: Debian 12's haproxy in a container ({@link ContainerHaproxyLauncher}),
 *       on the engine and image that {@code scripts/container-engine.sh} sets up.</li>
 * </ul>
 * {@code HAPROXY_LAUNCHERS=distribution} (comma-separated names) narrows the list for a quick
 * local run; CI runs them all. A missing one is skipped with its reason locally and fails with
 * {@code CI} set, so that CI never passes by skipping.
 */
final class HaproxyLaunchers {
    private HaproxyLaunchers() {
    }

    /** Every launcher, available or not, in a stable order; the suite's argument source. */
    static List<HaproxyLauncher> all() {
        return all(System.getenv());
    }

    static List<HaproxyLauncher> all(Map<String, String> env) {
        List<HaproxyLauncher> launchers = new ArrayList<>();
        launchers.add(new LocalHaproxyLauncher("distribution", distributionBinary(env),
                "install it (apt-get install haproxy)"));
        launchers.add(new LocalHaproxyLauncher("trixie-source", trixieBinary(env),
                "build it with scripts/haproxy-3.0.sh (or set HAPROXY_30_BIN)"));
        launchers.add(new ContainerHaproxyLauncher());
        String only = env.getOrDefault("HAPROXY_LAUNCHERS", "");
        if (only.isBlank()) {
            return launchers;
        }
        Set<String> names = Arrays.stream(only.split(",")).map(String::strip).collect(Collectors.toSet());
        return launchers.stream().filter(l -> names.contains(l.name())).toList();
    }

    /** Whether a missing HAProxy fails the suite (CI) rather than skipping it. */
    static boolean required() {
        return System.getenv("CI") != null;
    }

    private static Path distributionBinary(Map<String, String> env) {
        String explicit = env.get("HAPROXY_BIN");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        List<String> dirs = new ArrayList<>(List.of(env.getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        dirs.add("/usr/local/sbin");
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, "haproxy"))
                .filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** Where scripts/haproxy-3.0.sh puts its build; keep the two in step. */
    private static Path trixieBinary(Map<String, String> env) {
        String explicit = env.get("HAPROXY_30_BIN");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        List<Path> caches = new ArrayList<>();
        Optional.ofNullable(env.get("PAUSECTL_CACHE")).filter(s -> !s.isBlank()).map(Path::of).ifPresent(caches::add);
        caches.add(Path.of("/var/cache/pausectl"));
        String xdg = env.get("XDG_CACHE_HOME");
        caches.add(xdg != null && !xdg.isBlank() ? Path.of(xdg, "pausectl")
                : Path.of(System.getProperty("user.home"), ".cache", "pausectl"));
        List<Path> candidates = caches.stream().map(c -> c.resolve("haproxy-trixie/haproxy")).toList();
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(candidates.get(0));
    }
}
