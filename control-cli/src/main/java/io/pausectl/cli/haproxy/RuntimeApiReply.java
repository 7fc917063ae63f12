package io.pausectl.cli.haproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy's answer to one line of runtime API commands sent with {@code set severity-output number}
 * first. Every command's output is concatenated; messages come as {@code [N]: text} where N is a
 * syslog severity. HAProxy 2.6 prefixes successful informational answers too (a {@code get var}
 * answers {@code [6]: proc.x: type=sint value=<1>}), so only severities 0 to 3 are errors, plus
 * {@code Unknown command}, which 2.6 sends at severity 6.
 *
 * @param lines    every line with any {@code [N]: } prefix removed, in order
 * @param messages the prefixed lines, in order
 */
public record RuntimeApiReply(List<String> lines, List<Message> messages) {
    private static final Pattern SEVERITY = Pattern.compile("^\\[(\\d)]: ?(.*)$");
    private static final int LOG_ERR = 3;

    /**
     * One {@code [N]: text} line.
     *
     * @param severity syslog severity: 0 emergency, 3 error, 4 warning, 6 info, 7 debug
     * @param text     the text after the prefix
     */
    public record Message(int severity, String text) {
        /** Whether this message reports a failed command. */
        public boolean isError() {
            return severity <= LOG_ERR || text.startsWith("Unknown command");
        }
    }

    public RuntimeApiReply {
        lines = List.copyOf(lines);
        messages = List.copyOf(messages);
    }

    /** Splits a raw answer into lines and severity messages. */
    public static RuntimeApiReply parse(String raw) {
        List<String> lines = new ArrayList<>();
        List<Message> messages = new ArrayList<>();
        for (String line : raw.split("\r?\n", -1)) {
            Matcher m = SEVERITY.matcher(line);
            if (m.matches()) {
                Message msg = new Message(Integer.parseInt(m.group(1)), m.group(2));
                messages.add(msg);
                lines.add(msg.text());
            } else {
                lines.add(line);
            }
        }
        return new RuntimeApiReply(lines, messages);
    }

    /** The error messages, in order. */
    public List<Message> errors() {
        List<Message> errors = new ArrayList<>();
        for (Message m : messages) {
            if (m.isError()) {
                errors.add(m);
            }
        }
        return errors;
    }

    /** The answer as text, prefixes removed, without leading and trailing blank lines. */
    public String text() {
        return String.join("\n", lines).strip();
    }
}
