package io.pausectl.cli;

import io.pausectl.cli.haproxy.HaproxyTargets;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * picocli's models of {@code pausectl status}, the short call an operator repeats, and of
 * {@code pausectl pause} and {@code resume}, whose start-up delays a window's start and end, built in
 * code ({@link CommandSpec}, {@link OptionSpec}, {@link ArgGroupSpec}) instead of by reflection over the
 * annotations of {@link PausectlCommand}, {@link GlobalOptions}, {@link StatusCommand},
 * {@link PauseCommand}, {@link PauseOptions} and {@link ResumeCommand}. That
 * reflection was half of what was left of a status call's start-up CPU: Java 17 cannot archive the
 * proxy classes of the annotations it reads (issue 12 item 7).
 *
 * <p>The annotations stay the model for everything else (help, completion, the other commands), and
 * {@code CodedModelTest} checks that these models and theirs agree option by option and in their help.
 * Parsing works on the same objects: the options land in the same fields, read and written through
 * {@link Field}s named here.
 */
final class CodedModel {
    private CodedModel() {
    }

    /** The root command line with {@code status} as its only command, bound to {@code root}. */
    static CommandLine status(PausectlCommand root) {
        IFactory factory = new Factory();
        CommandSpec rootSpec = root(root, factory);
        StatusCommand status = new StatusCommand();
        status.root = root;
        CommandSpec statusSpec = CommandSpec.wrapWithoutInspection(status, factory).name("status");
        statusSpec.usageMessage().description("Show each target's state, held requests, in-flight requests, lease and"
                + " totals.", "Exit codes: 0 every target answered, 1 some target could not be read, 2 usage.");
        statusSpec.addOption(option(status, "watch", boolean.class, "-w", "--watch").paramLabel("<watch>")
                .description("Refresh every --interval, one line per target (JSON: one object per line), until"
                        + " interrupted or --count refreshes.")
                .build());
        statusSpec.addOption(option(status, "interval", Duration.class, "--interval").paramLabel("DURATION")
                .defaultValue("1s").converters(new DurationConverter())
                .description("With --watch: time between refreshes. Default: 1s.").build());
        statusSpec.addOption(option(status, "count", int.class, "--count").paramLabel("N").defaultValue("0")
                .description("With --watch: stop after N refreshes (default: never).").build());
        standardHelpOptions(statusSpec);
        status.spec = statusSpec;
        return commandLine(rootSpec, statusSpec, factory);
    }

    /** The root command line with {@code pause} as its only command, bound to {@code root}. */
    static CommandLine pause(PausectlCommand root) {
        IFactory factory = new Factory();
        CommandSpec rootSpec = root(root, factory);
        PauseCommand pause = new PauseCommand();
        pause.root = root;
        PauseOptions options = new PauseOptions();
        pause.pause = options;
        CommandSpec pauseSpec = CommandSpec.wrapWithoutInspection(pause, factory).name("pause");
        pauseSpec.usageMessage().description(PauseCommand.DESCRIPTION, PauseCommand.EXIT_CODES);
        pauseOptions(pauseSpec, options);
        pauseSpec.addOption(option(pause, "ttl", Duration.class, "--ttl").paramLabel("DURATION")
                .converters(new DurationConverter.Ttl()).description(PauseCommand.TTL_DESCRIPTION).build());
        standardHelpOptions(pauseSpec);
        pause.spec = pauseSpec;
        return commandLine(rootSpec, pauseSpec, factory);
    }

    /** The root command line with {@code resume} as its only command, bound to {@code root}. */
    static CommandLine resume(PausectlCommand root) {
        IFactory factory = new Factory();
        CommandSpec rootSpec = root(root, factory);
        ResumeCommand resume = new ResumeCommand();
        resume.root = root;
        ResumeCommand.Which which = new ResumeCommand.Which();
        resume.which = which;
        CommandSpec resumeSpec = CommandSpec.wrapWithoutInspection(resume, factory).name("resume");
        resumeSpec.usageMessage().description(ResumeCommand.DESCRIPTION, ResumeCommand.EXIT_CODES);
        // --lease and --force exclude each other, and one is needed, as the annotated @ArgGroup says. Its
        // options' initial values are null there (the group's object is made when one matches).
        resumeSpec.addArgGroup(ArgGroupSpec.builder().exclusive(true).multiplicity("1")
                .addArg(option(which, "leases", List.class, "--lease").auxiliaryTypes(String.class).paramLabel("ID")
                        .required(true).description(ResumeCommand.LEASE_DESCRIPTION).build())
                .addArg(option(which, "force", boolean.class, "--force").paramLabel("<force>").required(true)
                        .initialValue(null).description(ResumeCommand.FORCE_DESCRIPTION).build())
                .build());
        standardHelpOptions(resumeSpec);
        resume.spec = resumeSpec;
        return commandLine(rootSpec, resumeSpec, factory);
    }

    /** {@link PauseOptions}' options, as its {@code @Mixin} adds them. */
    private static void pauseOptions(CommandSpec spec, PauseOptions o) {
        spec.addOption(option(o, "reason", String.class, "--reason").paramLabel("TEXT")
                .description(PauseOptions.REASON_DESCRIPTION).build());
        spec.addOption(option(o, "waitIdle", Duration.class, "--wait-idle").paramLabel("DURATION").defaultValue("10s")
                .converters(new DurationConverter.WaitIdle()).description(PauseOptions.WAIT_IDLE_DESCRIPTION).build());
        spec.addOption(option(o, "allowInflight", boolean.class, "--allow-inflight").paramLabel("<allowInflight>")
                .description(PauseOptions.ALLOW_INFLIGHT_DESCRIPTION).build());
        spec.addOption(option(o, "allowQueueTimeout", boolean.class, "--allow-queue-timeout")
                .paramLabel("<allowQueueTimeout>").description(PauseOptions.ALLOW_QUEUE_TIMEOUT_DESCRIPTION).build());
        spec.addOption(option(o, "methods", List.class, "--scope-methods").auxiliaryTypes(String.class)
                .paramLabel("METHOD").splitRegex(",").description(PauseOptions.METHODS_DESCRIPTION).build());
        spec.addOption(option(o, "pathPrefixes", List.class, "--scope-path").auxiliaryTypes(String.class)
                .paramLabel("PREFIX").description(PauseOptions.PATH_DESCRIPTION).build());
        spec.addOption(option(o, "hosts", List.class, "--scope-host").auxiliaryTypes(String.class)
                .paramLabel("HOST").description(PauseOptions.HOST_DESCRIPTION).build());
    }

    /** The root's model: its global options and {@code -h}/{@code -V}. */
    private static CommandSpec root(PausectlCommand root, IFactory factory) {
        GlobalOptions options = new GlobalOptions();
        root.options = options;
        CommandSpec rootSpec = CommandSpec.wrapWithoutInspection(root, factory).name("pausectl");
        rootSpec.versionProvider(new VersionProvider());
        globalOptions(rootSpec, options);
        standardHelpOptions(rootSpec);
        root.spec = rootSpec;
        return rootSpec;
    }

    /**
     * The root's command line with one command. Each {@link CommandLine} registers picocli's built-in
     * converters, and those of the {@code java.time} and {@code java.sql} types by reflection: a
     * {@code Class.forName} each (whose class initialisation builds {@code MonthDay}'s formatter, say)
     * and a look-up of its factory method, about a tenth of a status call's CPU for two command lines.
     * No option of these models has such a type (their durations have converters of their own), so
     * those converters are left out while the two are made, through picocli's own switch
     * ({@code picocli.converters.excludes}), which is put back as it was.
     */
    private static CommandLine commandLine(CommandSpec rootSpec, CommandSpec commandSpec, IFactory factory) {
        String excludes = System.getProperty(CONVERTER_EXCLUDES);
        System.setProperty(CONVERTER_EXCLUDES, "java\\.(time|sql)\\..*");
        try {
            CommandLine commandLine = new CommandLine(rootSpec, factory);
            commandLine.setUsageHelpAutoWidth(true);
            commandLine.addSubcommand(commandSpec.name(), new CommandLine(commandSpec, factory));
            return commandLine;
        } finally {
            if (excludes == null) {
                System.clearProperty(CONVERTER_EXCLUDES);
            } else {
                System.setProperty(CONVERTER_EXCLUDES, excludes);
            }
        }
    }

    /** picocli's system property: regular expressions of the built-in converters' types not to register. */
    private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    /** {@link GlobalOptions}' options, inherited by the commands. */
    private static void globalOptions(CommandSpec spec, GlobalOptions o) {
        spec.addOption(option(o, "targets", List.class, "--target").auxiliaryTypes(String.class).paramLabel("URL")
                .scopeType(ScopeType.INHERIT).splitRegex(",")
                .description("A pause-proxy admin API; repeat (or separate with commas) for a fleet.",
                        "Default: $PAUSECTL_TARGETS (comma-separated), else " + CliContext.DEFAULT_TARGET + ".")
                .build());
        spec.addOption(option(o, "tokenFile", Path.class, "--token-file").paramLabel("FILE").scopeType(ScopeType.INHERIT)
                .description("File holding the admin API's bearer token. Default: the token in $PAUSECTL_TOKEN.")
                .build());
        spec.addOption(option(o, "output", GlobalOptions.Output.class, "-o", "--output").paramLabel("text|json")
                .scopeType(ScopeType.INHERIT).defaultValue("text")
                .description("Output format: text (default) or json (on stdout; for run, after the command exits).")
                .build());
        spec.addOption(option(o, "timeout", Duration.class, "--timeout").paramLabel("DURATION")
                .scopeType(ScopeType.INHERIT).defaultValue("10s").converters(new DurationConverter.Positive())
                .description("Connect and answer timeout of one call to a target (a pause adds --wait-idle)."
                        + " Default: 10s.")
                .build());
        spec.addOption(option(o, "haproxy", List.class, "--haproxy").auxiliaryTypes(String.class).paramLabel("ADDR")
                .scopeType(ScopeType.INHERIT)
                .description("Drive an HAProxy through its runtime API instead of pause proxies: unix:/path/admin.sock"
                        + " or tcp://host:port; repeat for several. Excludes --target; needs --frontend.")
                .build());
        spec.addOption(option(o, "frontend", String.class, "--frontend").paramLabel("NAME").scopeType(ScopeType.INHERIT)
                .description("With --haproxy: the frontend to pause.").build());
        spec.addOption(option(o, "strategy", GlobalOptions.Strategy.class, "--strategy").paramLabel("gate|maxconn")
                .scopeType(ScopeType.INHERIT).defaultValue("gate")
                .description("With --haproxy: " + HaproxyTargets.STRATEGY_DESCRIPTION).build());
        spec.addOption(option(o, "etcd", List.class, "--etcd").auxiliaryTypes(String.class).paramLabel("URL")
                .scopeType(ScopeType.INHERIT).splitRegex(",")
                .description("Drive a fleet of pause proxies through etcd instead of their admin APIs: etcd client URLs,"
                        + " http://HOST:PORT; repeat or separate with commas. Needs --fleet; excludes --target and"
                        + " --haproxy.", "Default: $PAUSECTL_ETCD (comma-separated).")
                .build());
        spec.addOption(option(o, "fleet", String.class, "--fleet").paramLabel("NAME").scopeType(ScopeType.INHERIT)
                .description("With --etcd: the fleet to pause (the proxies run with --fleet NAME). Default:"
                        + " $PAUSECTL_FLEET.")
                .build());
    }

    /**
     * {@code -h/--help} and {@code -V/--version}, as {@code mixinStandardHelpOptions} adds them: that
     * builds them by reflection over picocli's own annotated mixin, a fifth of this call's CPU.
     */
    private static void standardHelpOptions(CommandSpec spec) {
        Slot help = new Slot(false);
        Slot version = new Slot(false);
        spec.addOption(OptionSpec.builder("-h", "--help").type(boolean.class).usageHelp(true)
                .paramLabel("<helpRequested>").descriptionKey("mixinStandardHelpOptions.help")
                .description("Show this help message and exit.").initialValue(false).hasInitialValue(true)
                .getter(help).setter(help).build());
        spec.addOption(OptionSpec.builder("-V", "--version").type(boolean.class).versionHelp(true)
                .paramLabel("<versionRequested>").descriptionKey("mixinStandardHelpOptions.version")
                .description("Print version information and exit.").initialValue(false).hasInitialValue(true)
                .getter(version).setter(version).build());
    }

    /** An option bound to the field {@code field} of {@code target}, with that field's value as its initial one. */
    private static OptionSpec.Builder option(Object target, String field, Class<?> type, String... names) {
        FieldAccess access = new FieldAccess(target, field);
        return OptionSpec.builder(names).type(type).getter(access).setter(access)
                .initialValue(access.get()).hasInitialValue(true);
    }

    /**
     * What picocli creates while parsing: the list of a repeated option ({@code --target},
     * {@code --haproxy}, {@code --etcd}) as its default factory does, an {@link ArrayList}; anything
     * else by its default factory, made on first use. That factory's class initialisation looks for
     * Groovy's {@code Closure} on the class path and fails: the only class a status call looked for
     * outside the class-data-sharing archive, so the JVM opened the jar and read its central
     * directory for it (a {@code ClassNotFoundException} and that read: about a tenth of the call's CPU).
     */
    private static final class Factory implements IFactory {
        private IFactory defaultFactory;

        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == List.class || type == Collection.class) {
                return type.cast(new ArrayList<>());
            }
            if (defaultFactory == null) {
                defaultFactory = CommandLine.defaultFactory();
            }
            return defaultFactory.create(type);
        }
    }

    /** A value no command reads (picocli reads the help options from its parse result). */
    private static final class Slot implements IGetter, ISetter {
        private Object value;

        Slot(Object value) {
            this.value = value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T old = (T) this.value;
            this.value = value;
            return old;
        }
    }

    /** A field of a command object, as picocli reads and writes an annotated one. */
    private static final class FieldAccess implements IGetter, ISetter {
        private final Object target;
        private final Field field;

        FieldAccess(Object target, String name) {
            this.target = target;
            try {
                this.field = target.getClass().getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException("no field " + name + " in " + target.getClass(), e);
            }
            field.setAccessible(true);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            try {
                return (T) field.get(target);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            try {
                T old = (T) field.get(target);
                if (value == null && field.getType() == boolean.class) {
                    // An initial value of null (an option of an arg group) resets a flag to false.
                    field.setBoolean(target, false);
                } else {
                    field.set(target, value);
                }
                return old;
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
