package io.pausectl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * pausectl's usage help: the global options ({@link GlobalOptions}, inherited by every command) are
 * described once, in {@code pausectl --help}; a command's help lists its own options and names the
 * global ones in one line. Parsing and shell completion still see every option everywhere.
 */
final class PausectlHelp extends Help {
    /** The section a command's help names the global options in. */
    static final String SECTION_KEY_GLOBAL_OPTIONS = "globalOptions";

    PausectlHelp(CommandSpec spec, ColorScheme colorScheme) {
        super(spec, colorScheme);
    }

    /** Installs this help on {@code root} and every command under it. */
    static void install(CommandLine root) {
        root.setHelpFactory(PausectlHelp::new);
        root.getCommandSpec().usageMessage().optionListHeading("Global options (before or after the command):%n")
                .commandListHeading("%nCommands:%n");
        for (CommandLine sub : root.getSubcommands().values()) {
            installOnCommand(sub);
        }
    }

    private static void installOnCommand(CommandLine command) {
        command.getCommandSpec().usageMessage().optionListHeading("%nOptions:%n").commandListHeading("%nCommands:%n");
        List<String> keys = new ArrayList<>(command.getHelpSectionKeys());
        if (!keys.contains(SECTION_KEY_GLOBAL_OPTIONS)) {
            keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST) + 1,
                    SECTION_KEY_GLOBAL_OPTIONS);
            command.setHelpSectionKeys(keys);
        }
        command.getHelpSectionMap().put(SECTION_KEY_GLOBAL_OPTIONS, PausectlHelp::globalOptionsLine);
        for (CommandLine sub : command.getSubcommands().values()) {
            installOnCommand(sub);
        }
    }

    /** One line naming the global options a command inherits, pointing at where they are described. */
    private static String globalOptionsLine(Help help) {
        List<OptionSpec> inherited = help.commandSpec().options().stream().filter(OptionSpec::inherited)
                .filter(o -> !o.hidden()).collect(Collectors.toList());
        if (inherited.isEmpty()) {
            return "";
        }
        String names = inherited.stream().map(o -> o.longestName() + (o.arity().max() > 0 ? "=" + o.paramLabel() : ""))
                .collect(Collectors.joining(", "));
        Help.TextTable table = Help.TextTable.forColumnWidths(help.colorScheme(), help.commandSpec().usageMessage().width());
        table.addRowValues(help.colorScheme().text("Global options: " + names + " (before or after the command;"
                + " described in 'pausectl --help')."));
        return String.format("%n") + table;
    }

    private boolean isRoot() {
        return commandSpec().parent() == null;
    }

    private List<OptionSpec> own(List<OptionSpec> options) {
        return isRoot() ? options : options.stream().filter(o -> !o.inherited()).collect(Collectors.toList());
    }

    @Override
    protected Ansi.Text createDetailedSynopsisOptionsText(Collection<ArgSpec> done, List<OptionSpec> optionList,
                                                         Comparator<OptionSpec> optionSort, boolean clusterBooleanOptions) {
        Ansi.Text text = super.createDetailedSynopsisOptionsText(done, own(optionList), optionSort,
                clusterBooleanOptions);
        return isRoot() ? text : text.concat(" [global options]");
    }

    @Override
    public String optionListExcludingGroups(List<OptionSpec> optionList, Layout layout,
                                            Comparator<OptionSpec> optionSort, IParamLabelRenderer valueLabelRenderer) {
        return super.optionListExcludingGroups(own(optionList), layout, optionSort, valueLabelRenderer);
    }
}
