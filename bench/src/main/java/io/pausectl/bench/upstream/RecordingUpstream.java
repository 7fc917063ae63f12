package io.pausectl.bench.upstream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every origin of a window records, wherever it runs ({@link SampleUpstream} in the bench's process,
 * {@link ProcessUpstream} in its own): the ledger of each run ({@link #openLedger}) and the count of requests
 * that belonged to none ({@link #foreignRequests}). Thread-safe.
 */
abstract class RecordingUpstream implements WindowUpstream {
    private final Map<String, IdLedger> ledgers = new ConcurrentHashMap<>();
    private final AtomicLong foreignRequests = new AtomicLong();

    @Override
    public final IdLedger openLedger(String runId, int capacity) {
        IdLedger ledger = new IdLedger(runId, capacity);
        if (ledgers.putIfAbsent(runId, ledger) != null) {
            throw new IllegalStateException("run " + runId + " already has a ledger");
        }
        return ledger;
    }

    @Override
    public final long foreignRequests() {
        return foreignRequests.get();
    }

    /** Records sequence {@code seq} of run {@code runId}; a request of no open run (or of none: null) is foreign. */
    final void recordSeq(String runId, long seq) {
        IdLedger ledger = runId == null ? null : ledgers.get(runId);
        if (ledger == null) {
            foreignRequests.incrementAndGet();
        } else {
            ledger.record(seq);
        }
    }

    /** Records a whole {@code X-Req-Id} ({@link RequestIds}). */
    final void recordId(String id) {
        recordSeq(RequestIds.runOf(id), RequestIds.seqOf(id));
    }
}
