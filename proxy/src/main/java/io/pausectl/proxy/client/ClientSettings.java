package io.pausectl.proxy.client;

import io.pausectl.proxy.config.ProxyConfig;

/**
 * The settings every client connection's exchange handler reads, in the units it reads them in,
 * made once per proxy: a handler keeps a reference to this instead of its own copy of each (a held
 * request's connection keeps its handler for as long as it is held; 10,000 copies of five
 * timeouts were 400 KB).
 */
public final class ClientSettings {
    /** {@code --upstream-timeout}. */
    final long upstreamTimeoutNanos;
    /** {@code --queue-timeout}. */
    final long queueTimeoutNanos;
    /** {@code --client-send-timeout}. */
    final long clientSendTimeoutNanos;
    /** {@code --client-idle-timeout}. */
    final long clientIdleNanos;
    /** {@code --client-header-timeout}. */
    final long clientHeaderNanos;
    /** {@code --access-log}. */
    final boolean accessLog;

    ClientSettings(ProxyConfig config) {
        this.upstreamTimeoutNanos = config.upstreamTimeout().toNanos();
        this.queueTimeoutNanos = config.queueTimeout().toNanos();
        this.clientSendTimeoutNanos = config.clientSendTimeout().toNanos();
        this.clientIdleNanos = config.clientIdleTimeout().toNanos();
        this.clientHeaderNanos = config.clientHeaderTimeout().toNanos();
        this.accessLog = config.accessLog();
    }
}
