package io.pausectl.cli.haproxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HAProxy version as {@code show info} reports it: {@code 2.6.12-1+deb12u4} (a Debian build of
 * 2.6.12), {@code 3.2.0-e134140}, {@code 3.1-dev9-abcdef}.
 *
 * @param major  2 in 2.6.12
 * @param minor  6 in 2.6.12 (the branch is major.minor)
 * @param patch  12 in 2.6.12; 0 for a development build
 * @param dev    9 in 3.1-dev9; -1 for a release
 * @param text   the version as reported
 */
public record HaproxyVersion(int major, int minor, int patch, int dev, String text) implements Comparable<HaproxyVersion> {
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:-dev(\\d+))?(?:$|[^0-9.].*)");

    /**
     * Parses a version string.
     *
     * @throws IllegalArgumentException when it does not start with major.minor
     */
    public static HaproxyVersion parse(String text) {
        String t = text == null ? "" : text.strip();
        Matcher m = RELEASE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the HAProxy version '" + text + "'");
        }
        int dev = m.group(4) == null ? -1 : Integer.parseInt(m.group(4));
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return new HaproxyVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch, dev, t);
    }

    /** A release (not a development build) of this branch and patch level. */
    public static HaproxyVersion release(int major, int minor, int patch) {
        return new HaproxyVersion(major, minor, patch, -1, major + "." + minor + "." + patch);
    }

    public boolean isDevelopment() {
        return dev >= 0;
    }

    /** {@code 2.6} for 2.6.12. */
    public String branch() {
        return major + "." + minor;
    }

    /** Orders by branch, then development builds before releases, then dev number or patch. */
    @Override
    public int compareTo(HaproxyVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Boolean.compare(!isDevelopment(), !o.isDevelopment());
        }
        if (c == 0) {
            c = isDevelopment() ? Integer.compare(dev, o.dev) : Integer.compare(patch, o.patch);
        }
        return c;
    }

    @Override
    public String toString() {
        return text;
    }
}
