package io.pausectl.proxy.fleet;

import java.time.Duration;
import java.util.List;

/**
 * Fleet membership, when {@code --fleet} is given.
 *
 * @param fleet     the fleet's name (its keys are under {@code /pausectl/v1/<fleet>/})
 * @param etcd      etcd client URLs, {@code http://host:port}
 * @param node      this node's name in the fleet (default: the host name)
 * @param startHold at start, requests are held until the intent has been read, for at most this
 */
public record FleetSettings(String fleet, List<String> etcd, String node, Duration startHold) {
    public FleetSettings {
        etcd = List.copyOf(etcd);
    }
}
