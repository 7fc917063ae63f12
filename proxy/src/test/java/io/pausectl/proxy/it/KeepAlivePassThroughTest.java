package io.pausectl.proxy.it;

/** {@link PassThroughSuite} with mode {@link PassThroughSuite.Mode#KEEP_ALIVE}. */
class KeepAlivePassThroughTest extends PassThroughSuite {
    @Override
    Mode mode() {
        return Mode.KEEP_ALIVE;
    }
}
