package io.pausectl.api;

/**
 * One request the pause gate holds now, as {@code GET /v1/held} lists it.
 *
 * @param id     the gate's number for it, named by {@code POST /v1/held/cancel}; unique while the proxy runs
 * @param method the request method
 * @param path   the request target's path, without its query (which may carry secrets)
 * @param host   the Host header without port, lower case, or empty
 * @param client the client's address, {@code ip:port}
 * @param ageMs  how long it has been held, in milliseconds
 */
public record HeldRequest(long id, String method, String path, String host, String client, long ageMs) {
}
