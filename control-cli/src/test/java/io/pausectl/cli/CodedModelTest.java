package io.pausectl.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The models of {@code pausectl status}, {@code pause} and {@code resume} built in code
 * ({@link CodedModel}) and the annotated model agree:
 * the same options with the same attributes, the same help, and the same outcome (exit code, output,
 * messages) for every argument line below.
 */
class CodedModelTest {
    private static final String[] STATUS = {"status"};

    private static CommandLine annotated() {
        return PausectlCommand.commandLine(context(new CliHarness()), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), null);
    }

    private static CommandLine coded() {
        return PausectlCommand.commandLine(context(new CliHarness()), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), STATUS);
    }

    private static CommandLine coded(String command) {
        return PausectlCommand.commandLine(context(new CliHarness()), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), new String[] {command});
    }

    private static CliContext context(CliHarness cli) {
        return new CliContext(cli.env, false, s -> List.of(), cli.signals, "pausectl/test@host:1");
    }

    @Test
    void theCodedModelIsTheOneBuiltForAStatusCall() {
        assertThat(coded().getCommandSpec().userObject()).isInstanceOf(PausectlCommand.class);
        assertThat(coded().getSubcommands()).containsOnlyKeys("status");
        // help anywhere is printed from the annotations
        assertThat(PausectlCommand.asksForHelp(new String[] {"status", "--help"})).isTrue();
        assertThat(PausectlCommand.asksForHelp(new String[] {"status", "-wh"})).isTrue();
        assertThat(PausectlCommand.asksForHelp(new String[] {"--target", "http://h:1", "status", "-w"})).isFalse();
    }

    @Test
    void everyOptionHasTheAnnotatedAttributes() {
        CommandLine annotated = annotated();
        CommandLine coded = coded();
        assertThat(describe(coded.getCommandSpec())).isEqualTo(describe(annotated.getCommandSpec()));
        assertThat(describe(coded.getSubcommands().get("status").getCommandSpec()))
                .isEqualTo(describe(annotated.getSubcommands().get("status").getCommandSpec()));
    }

    @Test
    void thePauseAndResumeModelsHaveTheAnnotatedOptionsAndHelp() {
        CommandLine annotated = annotated();
        for (String command : List.of("pause", "resume")) {
            CommandLine coded = coded(command);
            assertThat(coded.getSubcommands()).containsOnlyKeys(command);
            assertThat(describe(coded.getCommandSpec())).isEqualTo(describe(annotated.getCommandSpec()));
            assertThat(describe(coded.getSubcommands().get(command).getCommandSpec()))
                    .isEqualTo(describe(annotated.getSubcommands().get(command).getCommandSpec()));
            assertThat(coded.getSubcommands().get(command).getUsageMessage())
                    .isEqualTo(annotated.getSubcommands().get(command).getUsageMessage());
        }
    }

    @Test
    void everyResumeArgumentLineEndsAsWithTheAnnotatedModel() {
        List<String[]> lines = List.of(
                new String[] {"resume"},
                new String[] {"resume", "--force"},
                new String[] {"-o", "json", "resume", "--force"},
                new String[] {"resume", "--lease", "lease-1"},
                new String[] {"resume", "--lease", "lease-1", "--lease", "lease-2"},
                new String[] {"resume", "--lease=lease-1", "--force"},
                new String[] {"resume", "--force", "--force"},
                new String[] {"resume", "--lease"},
                new String[] {"resume", "--force", "extra"},
                new String[] {"resume", "--bogus"},
                new String[] {"--target", "http://a:1,http://b:2", "resume", "--lease", "x", "--lease", "y"},
                new String[] {"resume", "--force", "--etcd", "http://127.0.0.1:1", "--fleet", "f"},
                new String[] {"resume", "--lease", "x", "--etcd", "http://127.0.0.1:1", "--fleet", "f"},
                new String[] {"resume", "--force", "--frontend", "fe"});
        for (String[] args : lines) {
            assertThat(run(args, false)).as(String.join(" ", args)).isEqualTo(run(args, true));
        }
    }

    @Test
    void everyPauseArgumentLineEndsAsWithTheAnnotatedModel() {
        List<String[]> lines = List.of(
                new String[] {"pause"},
                new String[] {"pause", "--ttl", "30s"},
                new String[] {"--target", "http://a:1,http://b:2", "-o", "json", "pause", "--ttl", "30s"},
                new String[] {"pause", "--ttl", "0s"},
                new String[] {"pause", "--ttl", "5 minutes"},
                new String[] {"pause", "--ttl", "9000h"},
                new String[] {"pause", "--ttl=1h", "--allow-queue-timeout"},
                new String[] {"pause", "--reason", "add index", "--wait-idle", "1s", "--allow-inflight",
                        "--scope-methods", "post,PUT", "--scope-path", "/a", "--scope-path=/b", "--scope-host",
                        "App.Example", "--ttl", "30s"},
                new String[] {"pause", "--scope-methods", "GE T"},
                new String[] {"pause", "--scope-path", "nope"},
                new String[] {"pause", "--scope-host", "a/b"},
                new String[] {"pause", "--reason", "two\nlines"},
                new String[] {"pause", "--reason"},
                new String[] {"pause", "--wait-idle", "2h"},
                new String[] {"pause", "--wait-idle", "-1s"},
                new String[] {"pause", "extra"},
                new String[] {"pause", "--bogus"},
                new String[] {"pause", "--ttl", "30s", "--target", "http://b:2"},
                new String[] {"pause", "--frontend", "fe"},
                new String[] {"pause", "--etcd", "http://127.0.0.1:1", "--fleet", "f"},
                new String[] {"pause", "--timeout", "0s"});
        for (String[] args : lines) {
            assertThat(run(args, false)).as(String.join(" ", args)).isEqualTo(run(args, true));
        }
    }

    @Test
    void theStatusHelpIsTheSame() {
        assertThat(coded().getSubcommands().get("status").getUsageMessage())
                .isEqualTo(annotated().getSubcommands().get("status").getUsageMessage());
    }

    @Test
    void everyArgumentLineEndsAsWithTheAnnotatedModel() {
        List<String[]> lines = List.of(
                new String[] {"status", "--target", "http://a:1"},
                new String[] {"--target", "http://a:1", "status"},
                new String[] {"--target", "http://a:1,http://b:2", "-o", "json", "status"},
                new String[] {"status", "--target=http://a:1", "--output=json"},
                new String[] {"--target", "http://a:1", "status", "--target", "http://b:2"},
                new String[] {"status", "--target", "http://a:1", "-w", "--interval", "100ms", "--count", "2"},
                new String[] {"status", "--target", "http://a:1", "--interval", "50ms", "-w"},
                new String[] {"status", "--target", "http://a:1", "--count", "-1", "-w"},
                new String[] {"status", "--target", "http://a:1", "--count", "x"},
                new String[] {"status", "--target", "http://a:1", "--interval", "5 minutes"},
                new String[] {"status", "--timeout", "0s", "--target", "http://a:1"},
                new String[] {"status", "--timeout", "2s", "--target", "http://a:1"},
                new String[] {"status", "-o", "JSON", "--target", "http://a:1"},
                new String[] {"status", "-o", "yaml", "--target", "http://a:1"},
                new String[] {"status", "--target"},
                new String[] {"status", "--taget", "http://a:1"},
                new String[] {"status", "--bogus"},
                new String[] {"status", "extra"},
                new String[] {"status", "--frontend", "fe", "--target", "http://a:1"},
                new String[] {"status", "--strategy", "maxconn", "--target", "http://a:1"},
                new String[] {"status", "--strategy", "nope"},
                new String[] {"status", "--haproxy", "unix:/nowhere", "--target", "http://a:1"},
                new String[] {"status", "--fleet", "f"},
                new String[] {"status", "--etcd", "http://127.0.0.1:1"},
                new String[] {"status", "--token-file", "/nonexistent/token", "--target", "http://a:1"},
                new String[] {"status"});
        for (String[] args : lines) {
            assertThat(run(args, false)).as(String.join(" ", args)).isEqualTo(run(args, true));
        }
    }

    /**
     * Exit code, output and messages of one call, through the coded model or the annotated one; clock
     * times left out (a watch line's is HH:MM when its seconds are 0, and an expiry has nanoseconds).
     */
    private static String run(String[] args, boolean annotatedModel) {
        CliHarness cli = new CliHarness();
        cli.target("http://a:1");
        cli.target("http://b:2");
        cli.env.put(CliContext.ENV_TARGETS, "http://a:1");
        int code = cli.run(annotatedModel ? null : args, args);
        return code + "\n" + cli.out().replaceAll("\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?", "T").replaceAll("\"time\":\"[^\"]*\"", "")
                + "\n--\n" + cli.err();
    }

    private static String describe(CommandSpec spec) {
        List<String> lines = new ArrayList<>();
        lines.add("name=" + spec.name() + " qualified=" + spec.qualifiedName() + " aliases="
                + Arrays.toString(spec.aliases()) + " positionals=" + spec.positionalParameters().size()
                + " version=" + Arrays.toString(spec.version()) + " width=" + spec.usageMessage().width()
                + " autoWidth=" + spec.usageMessage().autoWidth() + " stopAtPositional="
                + spec.parser().stopAtPositional() + " caseInsensitiveEnums=" + spec.parser().caseInsensitiveEnumValuesAllowed());
        for (ArgGroupSpec g : spec.argGroups()) {
            lines.add("group exclusive=" + g.exclusive() + " multiplicity=" + g.multiplicity() + " validate="
                    + g.validate() + " order=" + g.order() + " synopsis=" + g.synopsis() + " options="
                    + g.options().stream().map(OptionSpec::longestName).collect(Collectors.toList()));
        }
        for (OptionSpec o : spec.options()) {
            lines.add(String.join("|", Arrays.asList(o.names())) + " type=" + o.type().getName() + " aux="
                    + Arrays.stream(o.auxiliaryTypes()).map(Class::getName).collect(Collectors.toList())
                    + " arity=" + o.arity() + " label=" + o.paramLabel() + " split=" + o.splitRegex()
                    + " default=" + o.defaultValue() + " initial=" + o.initialValue() + " hasInitial=" + o.hasInitialValue()
                    + " scope=" + o.scopeType() + " inherited=" + o.inherited() + " required=" + o.required()
                    + " hidden=" + o.hidden() + " negatable=" + o.negatable() + " order=" + o.order()
                    + " usageHelp=" + o.usageHelp() + " versionHelp=" + o.versionHelp() + " interactive="
                    + o.interactive() + " converters=" + Arrays.stream(o.converters())
                    .map(c -> c.getClass().getName()).collect(Collectors.toList())
                    + " candidates=" + (o.completionCandidates() == null ? null : iterate(o.completionCandidates()))
                    + " showDefault=" + o.showDefaultValue() + " multi=" + o.isMultiValue()
                    + " description=" + Arrays.toString(o.description()));
        }
        return String.join("\n", lines);
    }

    private static List<String> iterate(Iterable<String> values) {
        List<String> list = new ArrayList<>();
        values.forEach(list::add);
        return list;
    }
}
