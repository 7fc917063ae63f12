package io.pausectl.proxy.client;

import io.pausectl.proxy.config.ProxyConfig;
import io.pausectl.proxy.gate.PauseGate;
import io.pausectl.proxy.metrics.ProxyMetrics;
import io.pausectl.proxy.upstream.UpstreamPools;

/**
 * What every client connection's handlers share: settings, the gate, the meters and the upstream
 * pools. Immutable.
 *
 * @param config   the proxy's configuration
 * @param gate     where every request head is admitted, held or refused
 * @param metrics  the request-side meters
 * @param pools    the upstream connection pools, one per event loop
 * @param settings what the exchange handler reads of {@code config}, made from it
 */
public record ClientContext(ProxyConfig config, PauseGate gate, ProxyMetrics metrics, UpstreamPools pools,
                            ClientSettings settings) {
    public ClientContext(ProxyConfig config, PauseGate gate, ProxyMetrics metrics, UpstreamPools pools) {
        this(config, gate, metrics, pools, new ClientSettings(config));
    }
}
