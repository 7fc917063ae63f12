package io.pausectl.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version the build wrote into {@code build-version.properties} (the Maven project version),
 * for each program's {@code --version}: one place, never typed by hand.
 */
public final class BuildVersion {
    private static final String UNKNOWN = "(unknown version)";

    private BuildVersion() {
    }

    /** The project version, e.g. {@code 0.1.0}; {@code (unknown version)} when the build did not write it. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = BuildVersion.class.getResourceAsStream("build-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = properties.getProperty("version", UNKNOWN);
        return v.startsWith("${") ? UNKNOWN : v;
    }

    /**
     * What {@code --version} prints for {@code program}: its name and version, then the Java
     * runtime it runs on.
     */
    public static String[] lines(String program) {
        return new String[] {program + " " + version(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
