package io.pausectl.testkit.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * pause-proxy's default JVM options for a sidecar (the class path resource {@value #RESOURCE} in the
 * proxy's jar, which the build also writes into the launcher; read from this JVM's class path), and the rule that merges them with options a user
 * gives: a given option replaces the default of the same kind, as the launcher's shell stub does
 * with {@code JAVA_OPTS}. Kinds: a collector ({@code -XX:+Use...GC}); the heap cap ({@code -Xmx},
 * {@code MaxHeapSize}, {@code MaxRAM}, {@code MaxRAMPercentage}); the starting heap ({@code -Xms},
 * {@code InitialHeapSize}, {@code InitialRAMPercentage}); the young generation ({@code -Xmn},
 * {@code NewSize}, {@code MaxNewSize}, {@code NewRatio}); the thread stack ({@code -Xss},
 * {@code ThreadStackSize}); any other {@code -XX:Name=value} by its name.
 */
public final class JvmDefaults {
    static final String RESOURCE = "/io/pausectl/proxy/launch/jvm.options";

    private JvmDefaults() {
    }

    /** The default options, in the file's order. */
    public static List<String> options() {
        try (InputStream in = JvmDefaults.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            List<String> options = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int hash = line.indexOf('#');
                String option = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!option.isEmpty()) {
                    options.add(option);
                }
            }
            return List.copyOf(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The defaults that {@code given} does not replace, followed by {@code given}. */
    public static List<String> merge(List<String> defaults, List<String> given) {
        List<String> merged = new ArrayList<>();
        for (String d : defaults) {
            if (given.stream().noneMatch(g -> sameKind(d, g))) {
                merged.add(d);
            }
        }
        merged.addAll(given);
        return merged;
    }

    /** Whether {@code given} sets what the default option {@code def} sets. */
    static boolean sameKind(String def, String given) {
        if (isCollector(def)) {
            return isCollector(given);
        }
        if (def.startsWith("-Xmx")) {
            return given.startsWith("-Xmx") || given.startsWith("-XX:MaxHeapSize=") || given.startsWith("-XX:MaxRAM=")
                    || given.startsWith("-XX:MaxRAMPercentage=");
        }
        if (def.startsWith("-Xms")) {
            return given.startsWith("-Xms") || given.startsWith("-XX:InitialHeapSize=")
                    || given.startsWith("-XX:InitialRAMPercentage=");
        }
        if (def.startsWith("-Xmn")) {
            return given.startsWith("-Xmn") || given.startsWith("-XX:NewSize=") || given.startsWith("-XX:MaxNewSize=")
                    || given.startsWith("-XX:NewRatio=");
        }
        if (def.startsWith("-Xss")) {
            return given.startsWith("-Xss") || given.startsWith("-XX:ThreadStackSize=");
        }
        int eq = def.indexOf('=');
        if (def.startsWith("-XX:") && eq > 0) {
            return given.startsWith(def.substring(0, eq + 1));
        }
        return def.equals(given);
    }

    private static boolean isCollector(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC");
    }
}
