package io.pausectl.cli;

import java.util.Map;

/**
 * What pausectl takes from the world around it, passed in so that tests can supply their own:
 * environment variables, whether stderr is a terminal, how targets are opened, where signals come
 * from, and who the holder of a lease is.
 *
 * @param environment      the environment variables ({@code PAUSECTL_TARGETS}, {@code PAUSECTL_TOKEN})
 * @param stderrIsTerminal whether stderr is a terminal (live status line) or not (plain lines)
 * @param targets          opens the targets a command drives
 * @param signals          where {@code run} hears INT/TERM/HUP
 * @param holder           the lease holder written into every pause, e.g. {@code pausectl/alice@db1:4242}
 */
public record CliContext(Map<String, String> environment, boolean stderrIsTerminal, TargetFactory targets,
                         Signals signals, String holder) {
    /** The admin API address pausectl talks to when none is given. */
    public static final String DEFAULT_TARGET = "http://127.0.0.1:9901";
    /** Comma-separated admin API URLs, used when no {@code --target} is given. */
    public static final String ENV_TARGETS = "PAUSECTL_TARGETS";
    /** The admin API bearer token, used when no {@code --token-file} is given. */
    public static final String ENV_TOKEN = "PAUSECTL_TOKEN";

    public CliContext {
        environment = Map.copyOf(environment);
    }
}
