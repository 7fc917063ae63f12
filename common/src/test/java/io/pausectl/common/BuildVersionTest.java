package io.pausectl.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BuildVersionTest {

    @Test
    void theBuildWroteTheProjectVersion() {
        // The POM hands its version to this test (surefire systemPropertyVariables).
        assertThat(BuildVersion.version()).isEqualTo(System.getProperty("pausectl.expectedVersion"))
                .matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void linesNameTheProgramAndTheJava() {
        String[] lines = BuildVersion.lines("pause-proxy");
        assertThat(lines[0]).isEqualTo("pause-proxy " + BuildVersion.version());
        assertThat(lines[1]).startsWith("Java " + Runtime.version().feature());
    }
}
