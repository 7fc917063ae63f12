package io.pausectl.cli;

import io.pausectl.cli.target.ConflictException;
import io.pausectl.cli.target.TargetException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;

/**
 * Maps what a command throws to pausectl's exit codes ({@link ExitCodes}) and prints one clear
 * message on stderr: a {@link CliException} carries its own code; a conflict is 4; any other
 * target failure is 1; anything else is an internal error (1), with its stack trace only when
 * {@code PAUSECTL_DEBUG} is set.
 */
final class ErrorExitCodes implements IExecutionExceptionHandler {
    private final CliContext context;

    ErrorExitCodes(CliContext context) {
        this.context = context;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        if (e instanceof ParameterException) {
            // a usage problem found while running (a token file that cannot be read, a malformed URL)
            return new UsageErrors().handleParseException((ParameterException) e, parseResult.originalArgs()
                    .toArray(new String[0]));
        }
        PrintWriter err = commandLine.getErr();
        int code;
        if (e instanceof CliException) {
            err.println("pausectl: " + e.getMessage());
            code = ((CliException) e).exitCode();
        } else if (e instanceof ConflictException) {
            err.println("pausectl: " + e.getMessage());
            code = ExitCodes.CONFLICT;
        } else if (e instanceof TargetException) {
            err.println("pausectl: " + e.getMessage());
            code = ExitCodes.ERROR;
        } else {
            err.println("pausectl: internal error: " + e);
            String debug = context.environment().get("PAUSECTL_DEBUG");
            if (debug != null && !debug.isBlank() && !debug.equals("0")) {
                e.printStackTrace(err);
            } else {
                err.println("pausectl: (set PAUSECTL_DEBUG=1 to see where)");
            }
            code = ExitCodes.ERROR;
        }
        err.flush();
        return code;
    }
}
