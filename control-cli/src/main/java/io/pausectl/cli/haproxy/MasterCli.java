package io.pausectl.cli.haproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * An HAProxy master CLI (master-worker mode, {@code haproxy -W -S <socket>}; Debian's haproxy.service binds
 * {@code /run/haproxy-master.sock}): it lists the old workers a reload left finishing their connections,
 * which no stats socket reaches any more, and runs commands in one of them by PID ({@code @!<pid>}, HAProxy
 * management guide §9.4).
 *
 * <p>The master forwards each command to a session of its own in the worker, so {@code set severity-output}
 * does not carry over (measured on 2.6.12): answers come bare. A {@code set var} answers nothing when it
 * succeeds, so any line it answers is an error; {@code experimental-mode on} sent to the master applies to
 * every command it forwards. Unlike a worker's CLI, the master keeps a non-interactive connection open after
 * the line until the client closes it, so every line ends with {@code quit}.
 */
final class MasterCli implements AutoCloseable {
    private final RuntimeApiClient client;

    MasterCli(RuntimeApiClient client) {
        this.client = client;
    }

    RuntimeApiAddress address() {
        return client.address();
    }

    /** The PIDs {@code show proc} lists under {@code # old workers}. */
    List<Long> oldWorkers() throws RuntimeApiException {
        return oldWorkers(exchange("show proc"));
    }

    /** Parses {@code show proc}: the first word of each line of the {@code # old workers} section. */
    static List<Long> oldWorkers(String showProc) throws RuntimeApiException {
        if (!showProc.contains("# workers")) {
            throw new RuntimeApiException("'show proc' answered with no '# workers' section (is this HAProxy's master"
                    + " CLI, 'haproxy -W -S'?): " + firstLine(showProc));
        }
        List<Long> pids = new ArrayList<>();
        boolean old = false;
        for (String line : showProc.split("\r?\n")) {
            if (line.startsWith("#")) {
                old = line.strip().equals("# old workers");
                continue;
            }
            String[] words = line.strip().split("\\s+");
            if (old && words.length > 1 && words[0].chars().allMatch(Character::isDigit) && !words[0].isEmpty()) {
                pids.add(Long.parseLong(words[0]));
            }
        }
        return pids;
    }

    /** Reads process variables of worker {@code pid}; an unset one is absent from the map. */
    Map<String, String> getVars(long pid, List<String> names) throws RuntimeApiException {
        List<String> commands = new ArrayList<>();
        for (String name : names) {
            commands.add("@!" + pid + " get var " + HaproxyRuntime.checkName(name));
        }
        String line = String.join("; ", commands);
        Map<String, String> values = new LinkedHashMap<>();
        for (String answer : exchange(line).split("\r?\n")) {
            Matcher m = HaproxyRuntime.VAR_LINE.matcher(answer);
            if (m.matches()) {
                values.put(m.group(1), m.group(3));
            } else if (!answer.isBlank() && !answer.strip().equals(HaproxyRuntime.VARIABLE_NOT_FOUND)) {
                throw refused(line, answer);
            }
        }
        return values;
    }

    /** Runs {@code set var} commands (each {@code name expression}) in worker {@code pid}, in experimental mode. */
    void setVars(long pid, List<String> assignments) throws RuntimeApiException {
        List<String> commands = new ArrayList<>();
        commands.add("experimental-mode on");
        for (String a : assignments) {
            commands.add("@!" + pid + " set var " + a);
        }
        String line = String.join("; ", commands);
        for (String answer : exchange(line).split("\r?\n")) {
            if (!answer.isBlank()) {
                throw refused(line, answer);
            }
        }
    }

    private String exchange(String line) throws RuntimeApiException {
        return client.exchangePlain(line + "; quit");
    }

    private RuntimeApiCommandException refused(String line, String answer) {
        return new RuntimeApiCommandException("HAProxy's master CLI at " + address() + " refused '" + line + "': "
                + answer.strip(), 3, answer.strip());
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int nl = stripped.indexOf('\n');
        return nl < 0 ? stripped : stripped.substring(0, nl);
    }

    @Override
    public void close() {
        client.close();
    }
}
