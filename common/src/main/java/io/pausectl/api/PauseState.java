package io.pausectl.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** The pause gate's states, in the order a pause goes through them. Written lowercase on the wire. */
public enum PauseState {
    /** Requests pass. */
    RUNNING,
    /** New in-scope requests are held; waiting for in-scope requests in flight to finish. */
    PAUSING,
    /** Nothing in scope is in flight; new in-scope requests are held. */
    PAUSED,
    /** Held requests are being released, first in first out; arrivals queue behind them. */
    DRAINING;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static PauseState fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
