package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pause-bench --help} lists each command with a whole sentence, never one cut mid-way. */
class HelpSummariesTest {
    @Test
    void everyCommandSummaryIsOneWholeSentence() {
        CommandLine cl = PauseBenchMain.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--help")).isZero();
        List<String> commands = out.toString().lines()
                .filter(l -> l.matches("  (demo|window|hold|drain|passthrough)\\s.*")).toList();
        assertThat(commands).hasSize(5).allSatisfy(l -> assertThat(l).endsWith("."));
    }
}
