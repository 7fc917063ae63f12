package io.pausectl.proxy.gate;

import io.netty.channel.EventLoop;

/** A gated request for the data-structure tests: it only has a name; the callbacks must not run. */
final class TestRequest extends GatedRequest {
    private final String name;

    TestRequest(EventLoop loop, String name) {
        super(loop, "GET", "/" + name, "", 10);
        this.name = name;
    }

    @Override
    protected void onRelease(long heldNanos) {
        throw new AssertionError("not expected");
    }

    @Override
    protected void onRefuse(Refusal why) {
        throw new AssertionError("not expected");
    }

    @Override
    public String toString() {
        return name;
    }
}
