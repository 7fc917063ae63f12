package io.pausectl.bench.upstream;

import java.net.URI;
import java.time.Duration;

/**
 * The origin of a window: in the bench's process ({@link SampleUpstream}) or its own
 * ({@link ProcessUpstream}, which can be killed); either way it records in an {@link IdLedger}
 * every request id it saw.
 */
public interface WindowUpstream extends AutoCloseable {
    /** Starts recording the ids of run {@code runId}, whose sequence numbers are below {@code capacity}. */
    IdLedger openLedger(String runId, int capacity);

    /**
     * Waits, at most {@code max}, until every id in {@code seqs} is recorded in {@code ledger}: an
     * upstream that reports what it saw asynchronously (a process writing to a pipe) may answer a
     * request before its report is read. Returns at once for one that records before answering.
     */
    default void awaitRecorded(IdLedger ledger, int[] seqs, Duration max) throws InterruptedException {
    }

    /** Requests that carried no id of an open ledger. */
    long foreignRequests();

    /** {@code http://127.0.0.1:port}. */
    URI uri();

    @Override
    void close();
}
