package io.pausectl.bench.scenario;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How the hold reads {@code jcmd Compiler.queue} (JDK 17's layout) before it reads a settled RSS. */
class ProcessMemoryTest {
    @Test
    void idleWhenNothingRunsOrWaits() {
        assertThat(ProcessMemory.compilerIdle("23759:\nCurrent compiles: \n\nC1 compile queue:\nEmpty\n\n"
                + "C2 compile queue:\nEmpty\n\n")).isTrue();
    }

    @Test
    void busyWhileACompilationRuns() {
        assertThat(ProcessMemory.compilerIdle("23759:\nCurrent compiles: \nC2 CompilerThread0  4573       4"
                + "       io.netty.channel.epoll.EpollIoHandler::run (250 bytes)\n\nC1 compile queue:\nEmpty\n\n"
                + "C2 compile queue:\nEmpty\n\n")).isFalse();
    }

    @Test
    void busyWhileACompilationWaits() {
        assertThat(ProcessMemory.compilerIdle("23759:\nCurrent compiles: \n\nC1 compile queue:\nEmpty\n\n"
                + "C2 compile queue:\n4581       4       io.pausectl.proxy.client.ClientExchangeHandler::requestHead"
                + " (310 bytes)\n\n")).isFalse();
    }
}
