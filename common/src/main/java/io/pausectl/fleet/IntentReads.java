package io.pausectl.fleet;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a fleet node reads its fleet's intent: linearizably (a partitioned node, or one whose etcd lost its
 * quorum, cannot read, so it cannot renew its pause), with a watch on the key that only wakes the node's
 * loop. A partition is silence on a watch, never an error, so no decision is made on a watch event alone.
 * A watch that ends is opened again by the next read that succeeds, never at once. Used from one thread.
 */
public final class IntentReads implements AutoCloseable {
    private final EtcdClient etcd;
    private final FleetKeys keys;
    private final Runnable wake;
    private final Consumer<String> warn;
    private EtcdClient.Watch watch;
    private volatile boolean watchEnded = true;

    /**
     * @param wake called (on the watch's thread) when the intent key changes
     * @param warn where a line goes when the key holds something that is not an intent
     */
    public IntentReads(EtcdClient etcd, FleetKeys keys, Runnable wake, Consumer<String> warn) {
        this.etcd = etcd;
        this.keys = keys;
        this.wake = wake;
        this.warn = warn;
    }

    /**
     * Reads the intent.
     *
     * @return the intent, or empty when there is none or the key holds no valid intent (then nothing is
     *         held for it, and {@code warn} says why)
     * @throws EtcdException when etcd did not answer (no quorum, cut off): nothing may be renewed
     */
    public Optional<Intent> read() throws EtcdException {
        Optional<KeyValue> read = etcd.get(keys.intent());
        if (watchEnded) {
            watchEnded = false;
            watch = etcd.watch(keys.intent(), false, 0, e -> wake.run(), e -> watchEnded = true);
        }
        if (read.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Intent.fromJson(read.get().value()));
        } catch (IllegalArgumentException e) {
            warn.accept(keys.intent() + " holds no valid intent (" + e.getMessage() + "); holding nothing for it");
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        EtcdClient.Watch w = watch;
        if (w != null) {
            w.close();
        }
    }
}
