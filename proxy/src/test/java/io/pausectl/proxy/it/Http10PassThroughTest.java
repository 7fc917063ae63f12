package io.pausectl.proxy.it;

/** {@link PassThroughSuite} with mode {@link PassThroughSuite.Mode#HTTP10}. */
class Http10PassThroughTest extends PassThroughSuite {
    @Override
    Mode mode() {
        return Mode.HTTP10;
    }
}
