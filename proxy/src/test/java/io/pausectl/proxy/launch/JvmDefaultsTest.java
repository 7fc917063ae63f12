package io.pausectl.proxy.launch;

import io.pausectl.testkit.proxy.JvmDefaults;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JvmDefaultsTest {

    @Test
    void theDefaultsSuitASidecar() {
        assertThat(JvmDefaults.options()).contains("-XX:+UseSerialGC", "-Xmx128m", "-XX:MaxDirectMemorySize=64m");
    }

    @Test
    void aGivenOptionReplacesTheDefaultOfItsKind() {
        List<String> defaults = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn8m", "-Xss512k",
                "-XX:MaxDirectMemorySize=64m", "-XX:TrimNativeHeapInterval=5000");

        assertThat(JvmDefaults.merge(defaults, List.of("-XX:+UseG1GC", "-XX:MaxRAMPercentage=60",
                "-XX:InitialHeapSize=64m", "-XX:NewRatio=3", "-XX:ThreadStackSize=1024", "-XX:MaxDirectMemorySize=1g")))
                .containsExactly("-XX:TrimNativeHeapInterval=5000", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=60",
                        "-XX:InitialHeapSize=64m", "-XX:NewRatio=3", "-XX:ThreadStackSize=1024", "-XX:MaxDirectMemorySize=1g");
        assertThat(JvmDefaults.merge(defaults, List.of("-Xmx512m", "-Dfoo=bar")))
                .containsExactly("-XX:+UseSerialGC", "-Xms16m", "-Xmn8m", "-Xss512k", "-XX:MaxDirectMemorySize=64m",
                        "-XX:TrimNativeHeapInterval=5000", "-Xmx512m", "-Dfoo=bar");
        assertThat(JvmDefaults.merge(defaults, List.of())).isEqualTo(defaults);
    }
}
