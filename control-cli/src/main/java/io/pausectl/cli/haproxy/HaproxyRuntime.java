package io.pausectl.cli.haproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime API commands pausectl uses, over one {@link RuntimeApiClient}: {@code show info},
 * {@code show stat}, process variables ({@code get var}, {@code set var} in experimental mode),
 * {@code set maxconn frontend}, and the gate's own {@code pausectl-gate} command.
 */
final class HaproxyRuntime implements AutoCloseable {
    static final String VARIABLE_NOT_FOUND = "Variable not found.";
    /** A {@code get var} answer: the name, the type and the value. */
    static final Pattern VAR_LINE = Pattern.compile("^(proc\\.[A-Za-z0-9._]+): type=(\\w+) value=<(.*)>$");
    /** Characters kept as they are in a {@code fmt} value; anything else becomes '_'. */
    private static final Pattern UNSAFE_FMT = Pattern.compile("[^A-Za-z0-9 ._:@/+=,-]");
    private static final Pattern VAR_NAME = Pattern.compile("proc\\.[A-Za-z0-9_.]+");

    private final RuntimeApiClient client;

    HaproxyRuntime(RuntimeApiClient client) {
        this.client = client;
    }

    RuntimeApiAddress address() {
        return client.address();
    }

    /** {@code show info} as key/value pairs. */
    Map<String, String> showInfo() throws RuntimeApiException {
        Map<String, String> info = new LinkedHashMap<>();
        for (String line : client.execute("show info").lines()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                info.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return info;
    }

    /** The version {@code show info} reports. */
    HaproxyVersion version() throws RuntimeApiException {
        String v = showInfo().get("Version");
        if (v == null) {
            throw new RuntimeApiException("HAProxy at " + address() + " reported no Version in 'show info'");
        }
        return HaproxyVersion.parse(v);
    }

    /** Every row of {@code show stat}. */
    List<StatRow> showStat() throws RuntimeApiException {
        String text = client.execute("show stat").text();
        try {
            return StatCsv.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RuntimeApiException("HAProxy at " + address() + " answered 'show stat' with something"
                    + " that is not its CSV: " + e.getMessage(), e);
        }
    }

    /** {@code show sess}: every stream. */
    ShowSess showSess() throws RuntimeApiException {
        String text = client.execute("show sess").text();
        try {
            return ShowSess.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RuntimeApiException("HAProxy at " + address() + " answered 'show sess' with something"
                    + " that is not its stream list: " + e.getMessage(), e);
        }
    }

    /**
     * Reads process variables; an unset one is absent from the map. {@code prefix} commands
     * (e.g. {@code pausectl-gate}) run first on the same connection.
     */
    Map<String, String> getVars(List<String> prefix, List<String> names) throws RuntimeApiException {
        List<String> commands = new ArrayList<>(prefix);
        for (String name : names) {
            commands.add("get var " + checkName(name));
        }
        RuntimeApiReply reply = client.execute(String.join("; ", commands), VARIABLE_NOT_FOUND::equals);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : reply.lines()) {
            Matcher m = VAR_LINE.matcher(line);
            if (m.matches()) {
                values.put(m.group(1), m.group(3));
            }
        }
        return values;
    }

    /** Runs {@code set var} commands (each {@code name expression}) in experimental mode, on one connection. */
    void setVars(List<String> assignments) throws RuntimeApiException {
        List<String> commands = new ArrayList<>();
        commands.add("experimental-mode on");
        for (String a : assignments) {
            commands.add("set var " + a);
        }
        client.execute(String.join("; ", commands));
    }

    /** The first line of the gate's {@code pausectl-gate} command, or null when the gate is not loaded. */
    String gateInfo() throws RuntimeApiException {
        RuntimeApiReply reply = client.execute("pausectl-gate", m -> m.startsWith("Unknown command"));
        for (String line : reply.lines()) {
            if (line.startsWith("pausectl-gate ")) {
                return line;
            }
        }
        return null;
    }

    /** {@code set maxconn frontend <frontend> <value>}. */
    void setFrontendMaxconn(String frontend, long value) throws RuntimeApiException {
        client.execute("set maxconn frontend " + checkWord(frontend) + " " + value);
    }

    /** An assignment of an integer. */
    static String intVar(String name, long value) {
        return checkName(name) + " int(" + value + ")";
    }

    /** An assignment of free text, kept to characters the CLI and log-format parsers pass through. */
    static String textVar(String name, String value) {
        if (value == null || value.isEmpty()) {
            return checkName(name) + " str()";
        }
        String safe = UNSAFE_FMT.matcher(value).replaceAll("_").replace(" ", "\\ ");
        return checkName(name) + " fmt " + safe;
    }

    /** An assignment of HAProxy's clock in epoch seconds plus {@code offsetSeconds}. */
    static String dateVar(String name, long offsetSeconds) {
        return checkName(name) + " expr date(" + offsetSeconds + ")";
    }

    /** The text {@link #textVar} stores for {@code value}, for comparisons with what is read back. */
    static String storedText(String value) {
        return value == null ? "" : UNSAFE_FMT.matcher(value).replaceAll("_");
    }

    static String checkName(String name) {
        if (!VAR_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a process variable name: " + name);
        }
        return name;
    }

    private static String checkWord(String word) {
        if (word.isEmpty() || !word.chars().allMatch(c -> c > ' ' && c != ';' && c != '\\' && c < 127)) {
            throw new IllegalArgumentException("'" + word + "' cannot be sent as one runtime API word");
        }
        return word;
    }

    @Override
    public void close() {
        client.close();
    }
}
