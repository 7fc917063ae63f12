package io.pausectl.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease holder's name a pausectl process gives: {@code pausectl/USER@HOST:PID}. */
class HolderTest {
    @Test
    void theProcessIdReadFromProcSelfIsThisProcesssId() {
        assertThat(PausectlMain.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(PausectlMain.holder()).startsWith("pausectl/").endsWith(":" + ProcessHandle.current().pid())
                .contains("@" + PausectlMain.hostName() + ":");
    }
}
