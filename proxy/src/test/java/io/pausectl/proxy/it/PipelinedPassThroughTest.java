package io.pausectl.proxy.it;

/** {@link PassThroughSuite} with mode {@link PassThroughSuite.Mode#PIPELINED}. */
class PipelinedPassThroughTest extends PassThroughSuite {
    @Override
    Mode mode() {
        return Mode.PIPELINED;
    }
}
