package io.pausectl.fleet;

import java.io.IOException;

/**
 * A call to etcd that did not succeed: no endpoint answered within the call's timeout (etcd down,
 * partitioned, or without a quorum for a linearizable request), or one answered with an error.
 */
public final class EtcdException extends IOException {
    public EtcdException(String message) {
        super(message);
    }

    public EtcdException(String message, Throwable cause) {
        super(message, cause);
    }
}
