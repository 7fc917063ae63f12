package io.pausectl.fleet;

import java.util.regex.Pattern;

/**
 * Where a fleet lives in etcd. Everything of fleet {@code F} is under {@code /pausectl/v1/F/}:
 * <ul>
 *   <li>{@code /pausectl/v1/F/intent}: the pause intent ({@link Intent} as JSON), bound to the
 *       controller's lease and created only if absent, so there is at most one and it disappears when
 *       its controller dies;</li>
 *   <li>{@code /pausectl/v1/F/nodes/N}: node N's report ({@link NodeReport} as JSON), bound to the
 *       node's own short session lease, so a node that dies or is cut off disappears.</li>
 * </ul>
 * The layout is versioned ({@code v1}) so that a later one can live beside it. It maps onto a
 * Kubernetes Lease per intent and per node (holder identity, duration, renew time).
 */
public final class FleetKeys {
    /** Fleet and node names: what a DNS label or pod name allows, and no slash. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    private final String fleet;

    private FleetKeys(String fleet) {
        this.fleet = fleet;
    }

    /**
     * The keys of one fleet.
     *
     * @throws IllegalArgumentException when the name is not letters, digits, '.', '_' or '-'
     */
    public static FleetKeys of(String fleet) {
        checkName("fleet", fleet);
        return new FleetKeys(fleet);
    }

    /** Refuses a fleet or node name that is empty, too long, or has a character a key should not. */
    public static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' must be 1 to 253 letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit");
        }
    }

    public String fleet() {
        return fleet;
    }

    /** The fleet's prefix, {@code /pausectl/v1/F/}. */
    public String prefix() {
        return "/pausectl/v1/" + fleet + "/";
    }

    /** The intent's key. */
    public String intent() {
        return prefix() + "intent";
    }

    /** The prefix of the nodes' reports. */
    public String nodes() {
        return prefix() + "nodes/";
    }

    /** Node {@code node}'s report key. */
    public String node(String node) {
        return nodes() + node;
    }

    /** The node name in a report key, or null when the key is not one. */
    public String nodeOf(String key) {
        return key.startsWith(nodes()) ? key.substring(nodes().length()) : null;
    }
}
