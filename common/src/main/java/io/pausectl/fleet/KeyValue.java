package io.pausectl.fleet;

/**
 * One etcd key and its value as UTF-8 text.
 *
 * @param key            the key
 * @param value          the value (empty for a deletion event)
 * @param createRevision the revision that created the key (etcd's {@code create_revision})
 * @param modRevision    the revision that last changed it
 * @param lease          the lease it is bound to, 0 for none
 */
public record KeyValue(String key, String value, long createRevision, long modRevision, long lease) {
}
