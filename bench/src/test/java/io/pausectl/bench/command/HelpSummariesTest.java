package io.pausectl.bench.command;

import io.pausectl.bench.PauseBenchMain;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code pause-bench --help} lists each command with a whole sentence, never one cut mid-way; a
 * command's own description is made of whole paragraphs, which picocli wraps to the terminal.
 */
class HelpSummariesTest {
    @Test
    void everyCommandSummaryIsOneWholeSentence() {
        CommandLine cl = PauseBenchMain.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--help")).isZero();
        // Every command, including those added later (migrate, rehearse): each summary one whole line.
        String names = String.join("|", cl.getSubcommands().keySet());
        List<String> commands = out.toString().lines().filter(l -> l.matches("  (" + names + ")\\s.*")).toList();
        assertThat(commands).hasSize(cl.getSubcommands().size()).allSatisfy(l -> assertThat(l).endsWith("."));
        cl.getSubcommands().values().forEach(sub -> assertThat(sub.getCommandSpec().usageMessage().header())
                .as("header of %s", sub.getCommandName()).hasSize(1));
    }

    @Test
    void everyCommandDescriptionIsWholeParagraphs() {
        // A description element is printed as a line of its own and wrapped at 80 columns: one cut
        // where the source line ended printed as a ragged line, long then short, mid-sentence.
        PauseBenchMain.commandLine().getSubcommands().values().forEach(sub -> assertThat(
                sub.getCommandSpec().usageMessage().description())
                .as("description of %s", sub.getCommandName())
                .isNotEmpty()
                .allSatisfy(paragraph -> assertThat(paragraph).endsWith(".")));
    }
}
