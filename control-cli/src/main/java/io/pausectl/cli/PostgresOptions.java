package io.pausectl.cli;

import io.pausectl.cli.postgres.DatabaseWindow;
import io.pausectl.cli.postgres.MigrationWatch;
import io.pausectl.cli.postgres.PostgresTarget;
import io.pausectl.cli.postgres.SessionInfo;
import io.pausectl.common.Durations;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code run}'s PostgreSQL options: which server the migration works on, how its sessions are named, and
 * the pre-flight check. Opening them ({@link #open}) runs the pre-flight before anything is paused.
 */
final class PostgresOptions {
    /** The environment variable {@code --postgres} falls back to. */
    static final String ENV_POSTGRES = "PAUSECTL_POSTGRES";
    /** Set in the command's environment to its sessions' application name, for JDBC URLs. */
    static final String ENV_APPLICATION_NAME = "PAUSECTL_APPLICATION_NAME";

    @Option(names = "--postgres", paramLabel = "URL",
            description = {"The PostgreSQL server the command migrates (postgresql://user:password@host:port/db or"
                    + " jdbc:postgresql://...; also PAUSECTL_POSTGRES). Then: a pre-flight check before pausing,"
                    + " the command's sessions named by PGAPPNAME (JDBC tools: put ApplicationName=$"
                    + ENV_APPLICATION_NAME + " in their URL), lock waits shown while it runs, and traffic resumed only"
                    + " once those sessions hold no lock (their statements cancelled first after SIGINT/SIGTERM)."})
    String url;

    @Option(names = "--application-name", paramLabel = "NAME",
            description = "The application_name the command's sessions use (PGAPPNAME and " + ENV_APPLICATION_NAME
                    + " in its environment). Default: a fresh pausectl-run-XXXXXXXX per run.")
    String applicationName;

    @Option(names = "--preflight-max-xact-age", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "Before pausing, refuse (exit 3, nothing paused) when a transaction of the database has been"
                    + " open longer than this: the migration would queue behind its locks, and the application"
                    + " behind the migration. 0 turns the check off. Default: 30s.")
    Duration preflightMaxXactAge;

    @Option(names = "--allow-old-transactions",
            description = "Report the pre-flight's old transactions but pause and run the command anyway.")
    boolean allowOldTransactions;

    /** Whether a server was named (flag or environment). */
    boolean enabled(Map<String, String> env) {
        return url(env) != null;
    }

    private String url(Map<String, String> env) {
        String value = url != null ? url : env.get(ENV_POSTGRES);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * Connects and runs the pre-flight check; null when no server was named.
     *
     * @throws ParameterException for a malformed URL (exit 2)
     * @throws CliException       3 when the server cannot be reached, or old transactions are open (unless allowed)
     */
    DatabaseWindow open(CommandSpec spec, Map<String, String> env, Messages messages) {
        String value = url(env);
        if (value == null) {
            return null;
        }
        PostgresTarget target;
        try {
            target = PostgresTarget.parse(value, env);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (applicationName != null && (applicationName.isBlank() || applicationName.equals(MigrationWatch.OWN_NAME))) {
            throw new ParameterException(spec.commandLine(), "--application-name must be a name other than '"
                    + MigrationWatch.OWN_NAME + "'");
        }
        if (preflightMaxXactAge.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--preflight-max-xact-age must not be negative");
        }
        String name = applicationName != null ? applicationName : DatabaseWindow.newApplicationName();
        DatabaseWindow database = new DatabaseWindow(new MigrationWatch(target, name));
        List<SessionInfo> old;
        try {
            old = database.preflight(preflightMaxXactAge);
        } catch (SQLException e) {
            database.close();
            throw new CliException(ExitCodes.NOT_PAUSED, "pre-flight: cannot ask PostgreSQL at " + target + ": "
                    + e.getMessage() + " (nothing was paused, the command was NOT run)");
        }
        if (!old.isEmpty()) {
            StringBuilder report = new StringBuilder("pre-flight: " + old.size() + " transaction(s) open longer than"
                    + " --preflight-max-xact-age " + Durations.format(preflightMaxXactAge) + " may hold locks the"
                    + " migration needs (it would wait for them, and the application's statements behind it):");
            old.forEach(s -> report.append("\n  ").append(s.describe()));
            if (!allowOldTransactions) {
                database.close();
                throw new CliException(ExitCodes.NOT_PAUSED, report + "\n  nothing was paused, the command was NOT"
                        + " run: let them finish, end them (SELECT pg_terminate_backend(pid)), or go ahead anyway with"
                        + " --allow-old-transactions");
            }
            messages.say("WARNING: " + report + "\n  going ahead anyway (--allow-old-transactions)");
        }
        return database;
    }
}
