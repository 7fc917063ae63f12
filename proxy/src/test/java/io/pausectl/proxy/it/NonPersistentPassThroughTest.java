package io.pausectl.proxy.it;

/** {@link PassThroughSuite} with mode {@link PassThroughSuite.Mode#CLOSE}. */
class NonPersistentPassThroughTest extends PassThroughSuite {
    @Override
    Mode mode() {
        return Mode.CLOSE;
    }
}
