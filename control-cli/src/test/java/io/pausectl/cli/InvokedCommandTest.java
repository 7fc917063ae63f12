package io.pausectl.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up (issue 12 item 7): only the command the arguments name is built, and everything that
 * needs the whole command tree (help, version, completion, a misspelt command) still gets it.
 */
class InvokedCommandTest {
    private static String invoked(String... args) {
        return PausectlCommand.invokedCommand(args);
    }

    @Test
    void theCommandIsFoundPastTheGlobalOptionsAndTheirValues() {
        assertThat(invoked("status")).isEqualTo("status");
        assertThat(invoked("--target", "http://a:1", "-o", "json", "status", "--watch")).isEqualTo("status");
        assertThat(invoked("--target=http://a:1", "--timeout", "2s", "held", "cancel", "3")).isEqualTo("held");
        assertThat(invoked("--haproxy", "unix:/s", "--frontend", "run", "run", "--", "true")).isEqualTo("run");
    }

    @Test
    void helpVersionCompletionAndUnknownCommandsBuildTheWholeTree() {
        assertThat(invoked()).isNull();
        assertThat(invoked("--help", "status")).isNull();
        assertThat(invoked("-V")).isNull();
        assertThat(invoked("generate-completion")).isNull();
        assertThat(invoked("stauts")).isNull();
        assertThat(invoked("--", "status")).isNull();
    }

    @Test
    void aCommandLineBuiltForOneCommandRunsItAndAMisspeltOneStillGetsSuggestions() {
        CliHarness cli = new CliHarness();
        CliContext context = new CliContext(cli.env, false, s -> java.util.List.of(), cli.signals, "h");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = {"status", "--help"};
        int code = PausectlCommand.commandLine(context, new PrintWriter(out, true), new PrintWriter(err, true), args)
                .execute(args);
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: pausectl status");
        String[] typo = {"stauts"};
        assertThat(PausectlCommand.commandLine(context, new PrintWriter(out, true), new PrintWriter(err, true), typo)
                .execute(typo)).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("status");
    }
}
