package io.pausectl.fleet;

import io.pausectl.api.Json;

import java.io.IOException;
import java.time.Instant;

/**
 * What a node says about itself, the value of {@link FleetKeys#node(String)}.
 *
 * @param node      its name ({@code --fleet-node}, a pod name in Kubernetes)
 * @param state     {@link #RUNNING}, {@link #PAUSING} (holding new requests, waiting for in-flight
 *                  ones) or {@link #PAUSED} (nothing in scope in flight)
 * @param intent    the id of the intent the state is for, or null when running for no intent
 * @param queueDepth requests it holds now
 * @param note      why, when the state is not what the intent asks (for example "max-pause reached"),
 *                  or empty
 * @param at        when the node wrote this
 */
public record NodeReport(String node, String state, String intent, int queueDepth, String note, Instant at) {
    public static final String RUNNING = "running";
    public static final String PAUSING = "pausing";
    public static final String PAUSED = "paused";

    public NodeReport {
        note = note == null ? "" : note;
    }

    /**
     * A node's report now: for {@code intentId} while pausing or paused; while running, for the intent only
     * when a note says why it does not hold for it (e.g. "max-pause reached"), else for none.
     */
    public static NodeReport now(String node, String state, String intentId, int queueDepth, String note) {
        String forIntent = RUNNING.equals(state) ? (note == null || note.isEmpty() ? null : intentId) : intentId;
        return new NodeReport(node, state, forIntent, queueDepth, note, Instant.now());
    }

    /** Whether this report says paused for {@code intentId}. */
    public boolean pausedFor(String intentId) {
        return PAUSED.equals(state) && intentId.equals(intent);
    }

    /** Whether this report says the node holds nothing for {@code intentId} any more. */
    public boolean runningAfter(String intentId) {
        return RUNNING.equals(state) || (intent != null && !intent.equals(intentId));
    }

    public String toJson() {
        try {
            return Json.lenient().writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException when it is not a node report */
    public static NodeReport fromJson(String json) {
        try {
            NodeReport r = Json.lenient().readValue(json, NodeReport.class);
            if (r.node() == null || r.state() == null) {
                throw new IllegalArgumentException("not a node report: " + json);
            }
            return r;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a node report: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
