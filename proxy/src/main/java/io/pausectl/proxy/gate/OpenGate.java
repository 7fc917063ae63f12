package io.pausectl.proxy.gate;

/**
 * A gate that never holds: every request is forwarded at once. Reached through
 * {@link PauseGate#alwaysForward()} and wired by PauseProxyMain only until the queueing gate
 * lands; delete both then.
 */
final class OpenGate implements PauseGate {
    /** The one instance; the gate has no state. */
    static final OpenGate INSTANCE = new OpenGate();

    private OpenGate() {
    }

    @Override
    public Admission enter(GatedRequest request) {
        return Admission.FORWARD;
    }

    @Override
    public void exit(GatedRequest request) {
    }

    @Override
    public void abandon(GatedRequest request) {
    }
}
