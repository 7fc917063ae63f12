package io.pausectl.cli.haproxy;

import java.io.IOException;
import java.net.ConnectException;
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
        return oldWorkers(showProc());
    }

    /** The master's {@code show proc} answer as it is. */
    String showProc() throws RuntimeApiException {
        return exchange("show proc", true);
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
        for (String answer : exchange(line, true).split("\r?\n")) {
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
        for (String answer : exchange(line, false).split("\r?\n")) {
            if (!answer.isBlank()) {
                throw refused(line, answer);
            }
        }
    }

    /**
     * Sends one line, and sends it again while the master is not there to take it, until the client's
     * timeout. On every reload the master re-executes itself, and its socket refuses connections until
     * the new image listens (0.15-0.32 s measured on 2.6.12 on an idle host, longer on a loaded one), so
     * an agent's round that met that moment failed for the old workers just as a reload made them: a
     * refused connection sent nothing, and a connection reset by the re-executing master answered
     * nothing. Both are tried again, and so is an empty answer to a line that always answers (the master
     * closed the connection as it re-executed); every line this class sends may be sent twice
     * ({@code show proc}, {@code get var}, and {@code set var} of a value that does not depend on the one
     * before). A {@code set var} answers nothing when it succeeds, so one the master dropped that way
     * looks done; the agent writes it again on its next round.
     *
     * @param answers whether the line always answers something
     */
    private String exchange(String line, boolean answers) throws RuntimeApiException {
        long deadline = System.nanoTime() + client.timeout().toNanos();
        long pauseMs = 10;
        while (true) {
            RuntimeApiException away;
            try {
                String answer = client.exchangePlain(line + "; quit");
                if (!answer.isEmpty() || !answers) {
                    return answer;
                }
                away = new RuntimeApiException("HAProxy's master CLI at " + address() + " answered nothing to '"
                        + line + "'");
            } catch (RuntimeApiException e) {
                if (!masterAway(e)) {
                    throw e;
                }
                away = e;
            }
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw away;
            }
            try {
                Thread.sleep(Math.min(pauseMs, leftMs));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw away;
            }
            pauseMs = Math.min(2 * pauseMs, 100);
        }
    }

    /** Whether {@code e} says the master was not listening, or reset the connection before it answered. */
    private static boolean masterAway(RuntimeApiException e) {
        Throwable cause = e.getCause();
        if (cause instanceof ConnectException) {
            return true;
        }
        String message = cause instanceof IOException ? cause.getMessage() : null;
        return message != null && (message.contains("Connection refused") || message.contains("Connection reset"));
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
