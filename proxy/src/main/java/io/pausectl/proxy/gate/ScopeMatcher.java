package io.pausectl.proxy.gate;

import io.netty.handler.codec.http.HttpMethod;
import io.pausectl.api.Scope;
import io.pausectl.proxy.http.RequestTargets;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated, normalised {@link Scope}, matched against requests: a request is in scope when it
 * matches every non-empty list. The rule is <em>hold when in doubt</em>: a request is in scope when
 * any reading an origin may reasonably make of it is.
 * <ul>
 *   <li>method: without letter case (an origin may upper-case {@code post}), the request's own or any
 *       method it asks the origin to act on instead ({@link MethodOverrides}: override headers, a
 *       {@code _method} query parameter, a POST body);</li>
 *   <li>path: by prefix, without letter case, over every form of the path in {@link PathForms}
 *       (percent-escapes of unreserved characters and their letter case, dot segments, repeated
 *       slashes, encoded slashes, backslashes, {@code ;parameters}), against the prefix as given and
 *       in its canonical and loose forms;</li>
 *   <li>host: exact after letter case, the port and trailing dots are dropped (RFC 3986 §6.2.2.1,
 *       RFC 1034 §3.1); a request without a host is in scope of any host list, since the origin
 *       answers it for a default host the proxy cannot know.</li>
 * </ul>
 */
final class ScopeMatcher {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    final Scope scope;
    private final String[] methods;
    private final String[] pathPrefixForms;
    private final String[] hosts;

    private ScopeMatcher(Scope scope, String[] methods, String[] pathPrefixes, String[] hosts) {
        this.scope = scope;
        this.methods = methods;
        this.pathPrefixForms = PathForms.prefixForms(List.of(pathPrefixes));
        this.hosts = hosts;
    }

    /**
     * @throws IllegalArgumentException naming the bad entry, fit for a 400 answer
     */
    static ScopeMatcher of(Scope scope) {
        Scope s = scope == null ? Scope.ALL : scope;
        String[] methods = s.methods().stream().map(m -> {
            if (m == null || !TOKEN.matcher(m).matches()) {
                throw new IllegalArgumentException("scope method '" + (m == null ? null : RequestTargets.escape(m))
                        + "' is not an HTTP method");
            }
            return m.toUpperCase(Locale.ROOT);
        }).distinct().toArray(String[]::new);
        String[] prefixes = s.pathPrefixes().stream().map(p -> {
            if (p == null || !p.startsWith("/")) {
                throw new IllegalArgumentException("scope path prefix '" + (p == null ? null : RequestTargets.escape(p))
                        + "' must start with /");
            }
            String why = p.indexOf('?') >= 0 ? "holds a query" : RequestTargets.targetProblem(HttpMethod.GET, p);
            if (why != null) {
                throw new IllegalArgumentException("scope path prefix '" + RequestTargets.escape(p) + "': " + why);
            }
            return p;
        }).distinct().toArray(String[]::new);
        String[] hosts = s.hosts().stream().map(h -> {
            if (h == null || h.isEmpty() || RequestTargets.hostProblem(h) != null) {
                throw new IllegalArgumentException("scope host '" + (h == null ? null : RequestTargets.escape(h))
                        + "' is not a host name");
            }
            return canonicalHost(h);
        }).distinct().toArray(String[]::new);
        return new ScopeMatcher(new Scope(List.of(methods), List.of(prefixes), List.of(hosts)), methods, prefixes, hosts);
    }

    boolean matches(GatedRequest r) {
        // The method last: its overrides are read only for a request in scope otherwise.
        return (pathPrefixForms.length == 0 || PathForms.anyUnder(r.path(), pathPrefixForms))
                && matchesHost(r.host())
                && matchesMethod(r);
    }

    /**
     * Methods are case-sensitive (RFC 9110 §9.1), but many origins upper-case them (Django's
     * REQUEST_METHOD, Rack): {@code post} is held by a {@code POST} scope, when in doubt. Then the
     * methods the request may have the origin act on instead, read only now (a method-scoped pause).
     */
    private boolean matchesMethod(GatedRequest r) {
        if (methods.length == 0 || matchesMethod(r.method())) {
            return true;
        }
        String[] overrides = r.methodOverrides();
        if (overrides == MethodOverrides.ANY) {
            return true;
        }
        for (String o : overrides) {
            if (matchesMethod(o)) {
                return true;
            }
        }
        return false;
    }

    private boolean matchesMethod(String method) {
        for (String m : methods) {
            if (m.equalsIgnoreCase(method)) {
                return true;
            }
        }
        return false;
    }

    private boolean matchesHost(String host) {
        if (hosts.length == 0 || host.isEmpty()) {
            return true;
        }
        return matchesExactly(hosts, canonicalHost(host));
    }

    /**
     * A host as scopes compare it: lower case, without port, without trailing dots
     * ({@code API.Example.COM.:80} is {@code api.example.com}).
     */
    static String canonicalHost(String host) {
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']') < colon) {
            end = colon;
        }
        while (end > 1 && host.charAt(end - 1) == '.') {
            end--;
        }
        String h = host.substring(0, end);
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h;
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

    /** For log lines: {@code all}, or the three lists. */
    String describe() {
        if (scope.methods().isEmpty() && scope.pathPrefixes().isEmpty() && scope.hosts().isEmpty()) {
            return "all";
        }
        return "methods " + scope.methods() + " paths " + scope.pathPrefixes() + " hosts " + scope.hosts();
    }
}
