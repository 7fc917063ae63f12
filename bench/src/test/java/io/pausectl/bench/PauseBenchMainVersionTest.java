package io.pausectl.bench;

import io.pausectl.common.BuildVersion;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class PauseBenchMainVersionTest {

    @Test
    void versionIsTheBuildsNotATypedOne() {
        CommandLine cl = PauseBenchMain.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("--version")).isZero();
        assertThat(out.toString()).startsWith("pause-bench " + BuildVersion.version() + "\n")
                .doesNotContain("(unknown version)");
    }
}
