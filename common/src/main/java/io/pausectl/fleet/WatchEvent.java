package io.pausectl.fleet;

/**
 * One change seen by an etcd watch.
 *
 * @param deleted whether the key was deleted (its lease expired or revoked, or deleted outright);
 *                otherwise it was put
 * @param kv      the key; for a deletion only its key and mod revision are set
 */
public record WatchEvent(boolean deleted, KeyValue kv) {
}
