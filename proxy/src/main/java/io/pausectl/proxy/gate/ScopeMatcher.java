package io.pausectl.proxy.gate;

import io.pausectl.api.Scope;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated, normalised {@link Scope}, matched against requests: a request is in scope when it
 * matches every non-empty list (method upper case, host lower case without port, path by prefix).
 */
final class ScopeMatcher {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    final Scope scope;
    private final String[] methods;
    private final String[] pathPrefixes;
    private final String[] hosts;

    private ScopeMatcher(Scope scope, String[] methods, String[] pathPrefixes, String[] hosts) {
        this.scope = scope;
        this.methods = methods;
        this.pathPrefixes = pathPrefixes;
        this.hosts = hosts;
    }

    /**
     * @throws IllegalArgumentException naming the bad entry, fit for a 400 answer
     */
    static ScopeMatcher of(Scope scope) {
        Scope s = scope == null ? Scope.ALL : scope;
        String[] methods = s.methods().stream().map(m -> {
            if (m == null || !TOKEN.matcher(m).matches()) {
                throw new IllegalArgumentException("scope method '" + m + "' is not an HTTP method");
            }
            return m.toUpperCase(Locale.ROOT);
        }).distinct().toArray(String[]::new);
        String[] prefixes = s.pathPrefixes().stream().map(p -> {
            if (p == null || !p.startsWith("/")) {
                throw new IllegalArgumentException("scope path prefix '" + p + "' must start with /");
            }
            return p;
        }).distinct().toArray(String[]::new);
        String[] hosts = s.hosts().stream().map(h -> {
            if (h == null || h.isBlank() || h.contains("/")) {
                throw new IllegalArgumentException("scope host '" + h + "' is not a host name");
            }
            return h.toLowerCase(Locale.ROOT);
        }).distinct().toArray(String[]::new);
        return new ScopeMatcher(new Scope(java.util.List.of(methods), java.util.List.of(prefixes),
                java.util.List.of(hosts)), methods, prefixes, hosts);
    }

    boolean matches(GatedRequest r) {
        return matchesExactly(methods, r.method()) && matchesPrefix(pathPrefixes, r.path())
                && matchesExactly(hosts, r.host());
    }

    private static boolean matchesExactly(String[] allowed, String value) {
        if (allowed.length == 0) {
            return true;
        }
        for (String a : allowed) {
            if (a.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesPrefix(String[] prefixes, String path) {
        if (prefixes.length == 0) {
            return true;
        }
        for (String p : prefixes) {
            if (path.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
