package io.pausectl.cli;

import io.pausectl.cli.target.PauseTarget;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The root command: shared options, the subcommands, the exit codes. */
@Command(name = "pausectl",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {"Pauses HTTP traffic for a maintenance window: the pause proxies (or HAProxy) hold incoming"
                + " requests instead of failing them, and release them in order on resume.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok (run: the command's own exit code once it ran)",
                "1:internal error, or a target could not be read (status)",
                "2:usage error, or a --ttl/--max-pause the targets cannot hold (beyond a queue timeout or max-pause; nothing paused)",
                "3:could not pause every target: those paused were resumed, the command was NOT run",
                "4:conflict: another lease already holds a pause (nothing changed, command not run)",
                "5:could not resume: the targets named on stderr are STILL PAUSED (wins over run's command code)",
                "126:run: the command is not executable (nothing stays paused)",
                "127:run: the command was not found (nothing was paused)"},
        footerHeading = "%nDurations are written in Go's grammar: 500ms, 30s, 1.5s, 1m30s, 1h (--ttl 1s to 8760h,"
                + " --wait-idle up to 1h).%n%nEnvironment:%n",
        footer = {"  PAUSECTL_TARGETS  comma-separated admin API URLs, when no --target is given",
                "  PAUSECTL_TOKEN    the admin API bearer token, when no --token-file is given",
                "  PAUSECTL_POSTGRES run's --postgres URL, when none is given",
                "  PAUSECTL_ETCD     comma-separated etcd client URLs, when no --etcd is given (fleet mode)",
                "  PAUSECTL_FLEET    the fleet's name, when no --fleet is given",
                "  PAUSECTL_NODE     agent's node name, when no --node is given (default: the host name)",
                "  PAUSECTL_DEBUG    set to 1 to print stack traces of internal errors"})
public final class PausectlCommand implements Runnable {
    @Mixin
    GlobalOptions options;

    @Spec
    CommandSpec spec;

    private final CliContext context;

    PausectlCommand(CliContext context) {
        this.context = context;
    }

    /** The commands, by name, in the order the help lists them. */
    private static final Map<String, Class<?>> COMMANDS = commands();

    /** The root's options that take a value (the next argument, unless written {@code --opt=value}). */
    private static final Set<String> ROOT_OPTIONS_WITH_VALUE = Set.of("--target", "--token-file", "-o", "--output",
            "--timeout", "--haproxy", "--frontend", "--strategy", "--etcd", "--fleet");

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("pause", PauseCommand.class);
        commands.put("resume", ResumeCommand.class);
        commands.put("status", StatusCommand.class);
        commands.put("run", RunCommand.class);
        commands.put("maintenance", MaintenanceCommand.class);
        commands.put("held", HeldCommand.class);
        commands.put("agent", AgentCommand.class);
        commands.put("generate-completion", AutoComplete.GenerateCompletion.class);
        return commands;
    }

    /**
     * The command line, ready to {@code execute}: output to {@code out}, messages to {@code err}.
     */
    public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err) {
        return commandLine(context, out, err, null);
    }

    /**
     * The command line for these arguments. Picocli builds a command's model by reflection, which is
     * most of a short call's start-up CPU (issue 12 item 7); so when {@code args} name a command, only
     * that one is built. The whole tree is built for help, version, completion and anything unclear.
     */
    static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err, String[] args) {
        String only = args == null ? null : invokedCommand(args);
        CommandLine commandLine;
        if ("status".equals(only) && !asksForHelp(args)) {
            // The call an operator repeats: its model built in code, no reflection (see CodedModel).
            commandLine = CodedModel.status(new PausectlCommand(context));
        } else if ("pause".equals(only) && !asksForHelp(args)) {
            // A window's start waits for it: the same (issue 12 item 7).
            commandLine = CodedModel.pause(new PausectlCommand(context));
        } else if ("resume".equals(only) && !asksForHelp(args)) {
            commandLine = CodedModel.resume(new PausectlCommand(context));
        } else {
            commandLine = new CommandLine(new PausectlCommand(context));
            COMMANDS.forEach((name, type) -> {
                if (only == null || only.equals(name)) {
                    commandLine.addSubcommand(name, type);
                }
            });
        }
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler(new ErrorExitCodes(context));
        commandLine.setParameterExceptionHandler(new UsageErrors());
        // Everything after the command's name is the command's own: `pausectl run psql -f x.sql` works without --.
        CommandLine run = commandLine.getSubcommands().get("run");
        if (run != null) {
            run.setStopAtPositional(true);
        }
        PausectlHelp.install(commandLine);
        return commandLine;
    }

    /**
     * The command {@code args} invoke, or null when they ask for help or the version before naming
     * one, name none, or name one only completion needs the whole tree for.
     */
    static String invokedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.startsWith("-")) {
                if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")
                        || a.startsWith("-h") && !a.startsWith("--") || a.startsWith("-V")) {
                    return null;
                }
                if (ROOT_OPTIONS_WITH_VALUE.contains(a)) {
                    i++;
                }
                continue;
            }
            return COMMANDS.containsKey(a) && !a.equals("generate-completion") ? a : null;
        }
        return null;
    }

    /**
     * Whether any argument could ask for help or the version ({@code -h}, {@code --help}, {@code -V},
     * {@code --version}, or a cluster of short options with h or V): those are printed from the
     * annotated model, whatever their place.
     */
    static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("--version")
                    || a.startsWith("-") && !a.startsWith("--") && (a.indexOf('h') > 0 || a.indexOf('V') > 0)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: pause, resume, status, run,"
                + " maintenance, held or agent");
    }

    /** What the world supplies: environment, terminal, target factory, signals. */
    CliContext context() {
        return context;
    }

    /** The shared options. */
    GlobalOptions options() {
        return options;
    }

    /** A fleet driven through etcd: the client and the fleet's keys. */
    record EtcdFleet(io.pausectl.fleet.EtcdClient etcd, io.pausectl.fleet.FleetKeys keys) {
    }

    /**
     * The fleet named by {@code --etcd} and {@code --fleet} (or {@code PAUSECTL_ETCD} and
     * {@code PAUSECTL_FLEET}), or empty when no etcd is named (the targets are admin APIs or HAProxy).
     *
     * @throws ParameterException on a missing fleet name, a bad endpoint, or --target/--haproxy besides (exit 2)
     */
    Optional<EtcdFleet> etcdFleet() {
        return etcdFleet(false);
    }

    /**
     * The fleet {@code pausectl agent} follows: {@code --etcd} and {@code --fleet} are required, and
     * {@code --haproxy} names the HAProxy it pauses.
     *
     * @throws ParameterException when etcd, the fleet or the HAProxy is not named (exit 2)
     */
    EtcdFleet agentFleet() {
        if (matched("--haproxy").isEmpty()) {
            throw new ParameterException(spec.commandLine(), "agent needs --haproxy ADDR and --frontend NAME: the"
                    + " HAProxy it pauses (unix:/path/admin.sock or tcp://host:port)");
        }
        if (matched("--haproxy").size() > 1) {
            throw new ParameterException(spec.commandLine(), "agent drives one HAProxy: give --haproxy once (run one"
                    + " agent beside each HAProxy, each its own node)");
        }
        return etcdFleet(true).orElseThrow(() -> new ParameterException(spec.commandLine(), "agent needs --etcd URL"
                + " and --fleet NAME (or $" + ENV_ETCD + " and $" + ENV_FLEET + "): the fleet whose intent it follows"));
    }

    private Optional<EtcdFleet> etcdFleet(boolean withHaproxy) {
        CommandLine cl = spec.commandLine();
        List<String> endpoints = matched("--etcd");
        if (endpoints.isEmpty()) {
            String fromEnv = context.environment().get(ENV_ETCD);
            if (fromEnv != null && !fromEnv.isBlank()) {
                Arrays.stream(fromEnv.split(",")).map(String::trim).filter(v -> !v.isEmpty()).forEach(endpoints::add);
            }
        }
        String fleet = options.fleet != null ? options.fleet : context.environment().get(ENV_FLEET);
        if (endpoints.isEmpty()) {
            if (options.fleet != null) {
                throw new ParameterException(cl, "--fleet needs --etcd URL (the etcd the fleet's proxies follow)");
            }
            return Optional.empty();
        }
        if (!matched("--target").isEmpty() || !withHaproxy && !matched("--haproxy").isEmpty()) {
            throw new ParameterException(cl, "--etcd excludes --target and --haproxy: a fleet is driven through etcd"
                    + " alone");
        }
        if (fleet == null || fleet.isBlank()) {
            throw new ParameterException(cl, "--etcd needs --fleet NAME (the name the proxies run with --fleet)");
        }
        try {
            return Optional.of(new EtcdFleet(new io.pausectl.fleet.EtcdClient(endpoints,
                    options.timeout.compareTo(java.time.Duration.ofSeconds(2)) < 0 ? options.timeout
                            : java.time.Duration.ofSeconds(2)), io.pausectl.fleet.FleetKeys.of(fleet.trim())));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "--etcd/--fleet: " + e.getMessage(), e);
        }
    }

    /** The environment variable naming etcd's client URLs for --etcd. */
    static final String ENV_ETCD = "PAUSECTL_ETCD";
    /** The environment variable naming the fleet for --fleet. */
    static final String ENV_FLEET = "PAUSECTL_FLEET";

    /**
     * Opens the targets the options and environment name.
     *
     * @throws ParameterException on contradictory or malformed target options (exit 2)
     */
    List<PauseTarget> openTargets() {
        return openTargets(null);
    }

    /** As {@link #openTargets()}, with one call's timeout at most {@code maxTimeout} (null: --timeout). */
    List<PauseTarget> openTargets(java.time.Duration maxTimeout) {
        TargetSelection selection = selection();
        if (maxTimeout != null && selection.timeout().compareTo(maxTimeout) > 0) {
            selection = new TargetSelection(selection.urls(), selection.token(), selection.haproxy(),
                    selection.frontend(), selection.strategy(), maxTimeout);
        }
        try {
            List<PauseTarget> targets = context.targets().open(selection);
            if (targets.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "no target: give --target URL or --haproxy ADDR");
            }
            return targets;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    TargetSelection selection() {
        CommandLine cl = spec.commandLine();
        List<String> haproxy = matched("--haproxy");
        List<String> targets = matched("--target");
        if (!haproxy.isEmpty()) {
            if (!targets.isEmpty()) {
                throw new ParameterException(cl, "--haproxy and --target exclude each other: drive either HAProxy"
                        + " or pause proxies");
            }
            if (options.frontend == null || options.frontend.isBlank()) {
                throw new ParameterException(cl, "--haproxy needs --frontend NAME (the frontend to pause)");
            }
            return new TargetSelection(List.of(), Optional.empty(), haproxy, options.frontend,
                    options.strategy.name(), options.timeout);
        }
        if (options.frontend != null) {
            throw new ParameterException(cl, "--frontend is for --haproxy targets only");
        }
        if (!matched("--strategy").isEmpty()) {
            throw new ParameterException(cl, "--strategy is for --haproxy targets only (pause proxies hold requests"
                    + " themselves)");
        }
        List<String> urls = new ArrayList<>();
        targets.stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(urls::add);
        if (urls.isEmpty()) {
            String fromEnv = context.environment().get(CliContext.ENV_TARGETS);
            if (fromEnv != null && fromEnv.replace(",", " ").isBlank()) {
                throw new ParameterException(cl, CliContext.ENV_TARGETS + " is set but names no target (was the list"
                        + " of ready pods empty?): give --target URL, or unset it to use " + CliContext.DEFAULT_TARGET);
            }
            if (fromEnv != null) {
                Arrays.stream(fromEnv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(urls::add);
            } else {
                urls.add(CliContext.DEFAULT_TARGET);
            }
        }
        return new TargetSelection(urls, token(), List.of(), null, null, options.timeout);
    }

    /** The target options to repeat in a suggested command, e.g. {@code " --target http://db1:9901"}. */
    String targetArgs() {
        TargetSelection selection = selection();
        StringBuilder args = new StringBuilder();
        if (!selection.haproxy().isEmpty()) {
            selection.haproxy().forEach(a -> args.append(" --haproxy ").append(a));
            args.append(" --frontend ").append(selection.frontend());
            if (options.strategy != GlobalOptions.Strategy.gate) {
                args.append(" --strategy ").append(selection.strategy());
            }
        } else if (!selection.urls().equals(List.of(CliContext.DEFAULT_TARGET))) {
            selection.urls().forEach(u -> args.append(" --target ").append(u));
        }
        return args.toString();
    }

    /**
     * Every value of a repeatable shared option, from before and after the subcommand. Picocli
     * binds both places to the same field and restarts the list when the subcommand matches the
     * option again, so the values are read from each level's parse result instead: with
     * {@code pausectl --target a run --target b} the fleet is a and b, never b alone.
     */
    private List<String> matched(String option) {
        List<String> values = new ArrayList<>();
        for (ParseResult level = spec.commandLine().getParseResult(); level != null; level = level.subcommand()) {
            OptionSpec matched = level.matchedOption(option);
            if (matched != null) {
                for (String raw : matched.originalStringValues()) {
                    Arrays.stream(raw.split(",")).map(String::trim).filter(v -> !v.isEmpty()).forEach(values::add);
                }
            }
        }
        return values;
    }

    private Optional<String> token() {
        if (options.tokenFile != null) {
            String token;
            try {
                token = Files.readString(options.tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read --token-file " + options.tokenFile
                        + ": " + e.getMessage(), e);
            }
            if (token.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--token-file " + options.tokenFile + " is empty");
            }
            return Optional.of(token);
        }
        String fromEnv = context.environment().get(CliContext.ENV_TOKEN);
        return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(fromEnv.strip());
    }
}
