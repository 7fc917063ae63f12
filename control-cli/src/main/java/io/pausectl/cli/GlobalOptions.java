package io.pausectl.cli;

import io.pausectl.cli.haproxy.HaproxyTargets;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The options every command shares: which targets, how to authenticate, how to print. Mixed into
 * the root command with {@link ScopeType#INHERIT}, so they may be written before or after the
 * subcommand ({@code pausectl --target URL status} and {@code pausectl status --target URL}).
 */
public final class GlobalOptions {
    /** How results are printed. Constants are named as they are written on the command line. */
    public enum Output { text, json }

    /** How an HAProxy is paused (see the HAProxy driver). Named as written on the command line. */
    public enum Strategy { gate, maxconn }

    @Option(names = "--target", paramLabel = "URL", scope = ScopeType.INHERIT, split = ",",
            description = {"A pause-proxy admin API; repeat (or separate with commas) for a fleet.",
                    "Default: $PAUSECTL_TARGETS (comma-separated), else " + CliContext.DEFAULT_TARGET + "."})
    List<String> targets = new ArrayList<>();

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "File holding the admin API's bearer token. Default: the token in $PAUSECTL_TOKEN.")
    Path tokenFile;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", scope = ScopeType.INHERIT, defaultValue = "text",
            description = "Output format: text (default) or json (on stdout; for run, after the command exits).")
    Output output;

    @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "10s",
            converter = DurationConverter.Positive.class,
            description = "Connect and answer timeout of one call to a target (a pause adds --wait-idle). Default: 10s.")
    Duration timeout;

    @Option(names = "--haproxy", paramLabel = "ADDR", scope = ScopeType.INHERIT,
            description = {"Drive an HAProxy through its runtime API instead of pause proxies: unix:/path/admin.sock"
                    + " or tcp://host:port; repeat for several. Excludes --target; needs --frontend."})
    List<String> haproxy = new ArrayList<>();

    @Option(names = "--frontend", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "With --haproxy: the frontend to pause.")
    String frontend;

    @Option(names = "--strategy", paramLabel = "gate|maxconn", scope = ScopeType.INHERIT, defaultValue = "gate",
            description = "With --haproxy: " + HaproxyTargets.STRATEGY_DESCRIPTION)
    Strategy strategy;

    @Option(names = "--etcd", paramLabel = "URL", scope = ScopeType.INHERIT, split = ",",
            description = {"Drive a fleet of pause proxies through etcd instead of their admin APIs: etcd client URLs,"
                    + " http://HOST:PORT; repeat or separate with commas. Needs --fleet; excludes --target and --haproxy.",
                    "Default: $PAUSECTL_ETCD (comma-separated)."})
    List<String> etcd = new ArrayList<>();

    @Option(names = "--fleet", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "With --etcd: the fleet to pause (the proxies run with --fleet NAME). Default: $PAUSECTL_FLEET.")
    String fleet;

    /** How results are printed. */
    public Output output() {
        return output;
    }

    /** Whether results are printed as JSON. */
    public boolean json() {
        return output == Output.json;
    }

    /** The timeout of one call to a target. */
    public Duration timeout() {
        return timeout;
    }
}
