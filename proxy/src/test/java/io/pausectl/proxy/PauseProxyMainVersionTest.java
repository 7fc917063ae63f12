package io.pausectl.proxy;

import io.pausectl.common.BuildVersion;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PauseProxyMainVersionTest {

    @Test
    void versionIsTheBuildsNotATypedOne() {
        CommandLine cl = PauseProxyMain.commandLine(Map.of());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("--version")).isZero();
        assertThat(out.toString()).startsWith("pause-proxy " + BuildVersion.version() + "\n")
                .doesNotContain("(unknown version)");
    }
}
