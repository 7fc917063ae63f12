package io.pausectl.bench.command;

import io.pausectl.bench.scenario.Narrator;
import io.pausectl.bench.scenario.PauseWindowDriver;
import io.pausectl.bench.scenario.WindowScenario;
import io.pausectl.cli.CliContext;
import io.pausectl.cli.PausectlCommand;
import io.pausectl.cli.Signals;
import io.pausectl.cli.TargetFactory;

import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.Map;

/**
 * The window through the real {@code pausectl run} code path, in this process:
 * {@code pausectl run --target <admin> -- sleep <pause>}. Its output goes to the narration,
 * each line marked {@code pausectl |}.
 */
final class CliWindowDriver implements PauseWindowDriver {
    /** The bench handles no signals for pausectl: a Ctrl-C ends the bench and the proxy with it. */
    private static final Signals NO_SIGNALS = handler -> () -> { };

    private final boolean showOutput;

    CliWindowDriver(boolean showOutput) {
        this.showOutput = showOutput;
    }

    @Override
    public int runWindow(String adminUrl, Duration pause, Narrator narrator) {
        return pausectl(narrator, "--target", adminUrl, "run", "--reason", "pause-bench window", "--",
                "sleep", WindowScenario.sleepArgument(pause));
    }

    @Override
    public int status(String adminUrl, Narrator narrator) {
        return pausectl(narrator, "--target", adminUrl, "status");
    }

    private int pausectl(Narrator narrator, String... args) {
        CliContext context = new CliContext(Map.of(), false, TargetFactory.real(), NO_SIGNALS, "pause-bench");
        PrintWriter out = new PrintWriter(new PrefixingWriter(narrator.out(), showOutput), true);
        int code = PausectlCommand.commandLine(context, out, out).execute(args);
        out.flush();
        return code;
    }

    /** Writes whole lines to {@code target}, each prefixed; or nothing when not showing. */
    private static final class PrefixingWriter extends Writer {
        private final PrintWriter target;
        private final boolean show;
        private final StringBuilder line = new StringBuilder();

        PrefixingWriter(PrintWriter target, boolean show) {
            this.target = target;
            this.show = show;
        }

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = buf[i];
                if (c == '\n' || c == '\r') {
                    emit();
                } else {
                    line.append(c);
                }
            }
        }

        private void emit() {
            if (line.length() > 0 && show) {
                target.println("          pausectl | " + line);
                target.flush();
            }
            line.setLength(0);
        }

        @Override
        public synchronized void flush() {
            emit();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
