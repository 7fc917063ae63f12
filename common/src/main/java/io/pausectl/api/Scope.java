package io.pausectl.api;

import java.util.List;

/**
 * Which requests a pause holds. An empty (or null) list does not restrict; a request is held when
 * it matches every non-empty list: its method is one of {@code methods}, its path starts with one
 * of {@code pathPrefixes}, its host (without port) is one of {@code hosts}.
 */
public record Scope(List<String> methods, List<String> pathPrefixes, List<String> hosts) {
    /** The scope that holds everything. */
    public static final Scope ALL = new Scope(List.of(), List.of(), List.of());

    public Scope {
        methods = methods == null ? List.of() : List.copyOf(methods);
        pathPrefixes = pathPrefixes == null ? List.of() : List.copyOf(pathPrefixes);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
    }
}
