package io.pausectl.proxy.gate;

/** Why the gate answers a held request 503 instead of releasing it. */
public enum Refusal {
    /** Held longer than queue-timeout. */
    TIMED_OUT
}
