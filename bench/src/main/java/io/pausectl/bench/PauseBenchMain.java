package io.pausectl.bench;

import io.pausectl.bench.command.DemoCommand;
import io.pausectl.bench.command.DrainCommand;
import io.pausectl.bench.command.FleetCommand;
import io.pausectl.bench.command.HoldCommand;
import io.pausectl.bench.command.MigrateCommand;
import io.pausectl.bench.command.OpenLoopCommand;
import io.pausectl.bench.command.PassthroughCommand;
import io.pausectl.bench.command.RehearseCommand;
import io.pausectl.bench.command.WindowCommand;
import io.pausectl.common.BuildVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code pause-bench}: the demo, and the benchmarks that prove a maintenance window loses nothing
 * and measure what holding costs. Exit codes: 0 done (and, for demo and window, nothing failed,
 * lost or duplicated); 1 the bench itself failed; 2 usage; 3 the window failed, lost or
 * duplicated requests.
 */
@Command(name = "pause-bench", mixinStandardHelpOptions = true, versionProvider = PauseBenchMain.Version.class,
        description = "Load generator, scenarios and the demo for pause-proxy and pausectl (loopback only).",
        subcommands = {DemoCommand.class, WindowCommand.class, HoldCommand.class, DrainCommand.class,
                PassthroughCommand.class, OpenLoopCommand.class, MigrateCommand.class, RehearseCommand.class,
                FleetCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:done; for demo and window, nothing failed, lost or duplicated",
                "1:the bench itself failed (the message says why)",
                "2:usage error",
                "3:the window failed, lost or duplicated requests (migrate: a pausectl window did)"})
public final class PauseBenchMain implements Runnable {
    /** Exit code: a window failed, lost or duplicated requests. */
    public static final int EXIT_WINDOW_NOT_CLEAN = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: demo, window, hold, drain, passthrough, migrate, rehearse or fleet");
    }

    /** The command line with pause-bench's error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PauseBenchMain());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println("pause-bench: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            commandLine.getErr().println("pause-bench: " + describe(e));
            if (System.getenv("PAUSE_BENCH_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.toString() : message;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** {@code --version}: the version the build wrote (see {@link BuildVersion}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return BuildVersion.lines("pause-bench");
        }
    }
}
