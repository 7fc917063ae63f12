package io.pausectl.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 item 6: a leaner {@code --help}. The global options are described once, in
 * {@code pausectl --help}; each command lists its own options and names the global ones in one
 * line; shell completion still offers every option everywhere.
 */
class HelpLayoutTest {
    /** A phrase of --strategy's long description (20 lines that every command used to repeat). */
    private static final String STRATEGY_TEXT = "haproxy/haproxy#2726";

    private static String help(String... args) {
        CliHarness cli = new CliHarness();
        assertThat(cli.run(args)).isZero();
        return cli.out();
    }

    @Test
    void theGlobalOptionsAreDescribedOnceInTheRootHelpUnderTheirOwnHeading() {
        String root = help("--help");
        assertThat(root).contains("Global options (before or after the command):", "Commands:", "Exit codes:");
        assertThat(root.split(STRATEGY_TEXT, -1)).hasSize(2);
        assertThat(root).contains("maintenance", "held");
    }

    @Test
    void aCommandsHelpListsItsOwnOptionsAndNamesTheGlobalOnesInOneLine() {
        for (List<String> command : List.of(List.of("pause"), List.of("resume"), List.of("status"), List.of("run"),
                List.of("maintenance", "on"), List.of("maintenance", "off"), List.of("held"),
                List.of("held", "cancel"))) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            String text = help(args.toArray(String[]::new));
            // The line naming the global options wraps as it grows (the fleet's --etcd, --fleet).
            String flowed = text.replaceAll("\\s+", " ");
            assertThat(flowed).as("%s --help", command)
                    .contains("Global options: --target=URL, --token-file=FILE, --output=text|json")
                    .contains("described in 'pausectl --help'");
            assertThat(text).as("%s --help", command).doesNotContain(STRATEGY_TEXT)
                    .contains("Options:")
                    .doesNotContain("      --token-file=FILE    ");
        }
        assertThat(help("pause", "--help")).contains("--ttl=DURATION", "--scope-path=PREFIX", "[global options]");
    }

    @Test
    void pauseAndResumeListEveryExitCodeTheyUse() {
        assertThat(help("pause", "--help").replaceAll("\\s+", " "))
                .contains("0 paused", "1 internal error", "2 usage", "3 could not pause", "4 already paused", "5 could");
        assertThat(help("resume", "--help").replaceAll("\\s+", " "))
                .contains("0 resumed", "1 internal error", "2 usage", "5 some targets are still paused");
    }

    @Test
    void completionStillOffersTheGlobalAndTheCommandsOptions() {
        String script = help("generate-completion");
        assertThat(script).contains("maintenance", "held", "--target", "--strategy", "--scope-path", "--message",
                "--limit");
    }
}
