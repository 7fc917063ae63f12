package io.pausectl.bench.upstream;

import java.net.URI;

/**
 * The origin of a window: in the bench's process ({@link SampleUpstream}) or its own
 * ({@link ProcessUpstream}, which can be killed); either way it records in an {@link IdLedger}
 * every request id it saw.
 */
public interface WindowUpstream extends AutoCloseable {
    /** Starts recording the ids of run {@code runId}, whose sequence numbers are below {@code capacity}. */
    IdLedger openLedger(String runId, int capacity);

    /** Requests that carried no id of an open ledger. */
    long foreignRequests();

    /** {@code http://127.0.0.1:port}. */
    URI uri();

    @Override
    void close();
}
