package io.pausectl.cli.haproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy's {@code show sess}: one line per stream (a request, with HTTP), e.g.
 * {@code 0x7f..: proto=tcpv4 src=127.0.0.1:35650 fe=fe_main be=be_app srv=s1 ts=00 epoch=0x1 age=1s ...}.
 *
 * <p>What the maxconn strategy reads from it is the <em>epoch</em> (HAProxy's src/stream.c, the
 * same in 2.6 and 3.0): every stream takes the process's stream epoch when it is created, and a
 * {@code show sess} gives its own stream the current epoch, then increments it, and lists only the
 * streams not newer than its own. So the newest epoch of a dump marks a moment: a stream created
 * before the dump has that epoch or an older one, a stream created after it a newer one. Epochs are
 * 32-bit and wrap; they are compared as HAProxy does, by the sign of the difference.
 *
 * @param streams the streams listed, in the dump's order
 */
record ShowSess(List<Stream> streams) {
    /** The backend of a stream that has not been given one (still in its frontend, e.g. held by the gate). */
    static final String NO_BACKEND = "<NONE>";
    private static final Pattern STREAM = Pattern.compile("^0x[0-9a-fA-F]+: .*? be=(\\S+) .*? epoch=(0x[0-9a-fA-F]+|\\d+) ");

    /**
     * One stream.
     *
     * @param backend the backend's name, or {@value #NO_BACKEND}
     * @param epoch   the stream's epoch, 0 to 2^32-1
     */
    record Stream(String backend, long epoch) {
        /** Whether the stream was given a backend: forwarded, or queued for a server (show stat's backend scur). */
        boolean onBackend() {
            return !NO_BACKEND.equals(backend);
        }
    }

    ShowSess {
        streams = List.copyOf(streams);
    }

    /**
     * Parses a dump. A line that does not look like a stream is skipped.
     *
     * @throws IllegalArgumentException when no line looks like a stream: a dump always lists at least
     *                                  the stream that asked for it
     */
    static ShowSess parse(String text) {
        List<Stream> streams = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            Matcher m = STREAM.matcher(line);
            if (m.find()) {
                String e = m.group(2);
                long epoch = e.startsWith("0x") ? Long.parseLong(e.substring(2), 16) : Long.parseLong(e);
                streams.add(new Stream(m.group(1), epoch & 0xffff_ffffL));
            }
        }
        if (streams.isEmpty()) {
            throw new IllegalArgumentException("no stream with an epoch in: "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
        }
        return new ShowSess(streams);
    }

    /** Whether epoch {@code a} is newer than {@code b}, as HAProxy compares them (wrapping). */
    static boolean newer(long a, long b) {
        return (int) (a - b) > 0;
    }

    /** The dump's moment: the newest epoch listed (its own stream's). */
    long epoch() {
        long newest = streams.get(0).epoch();
        for (Stream s : streams) {
            if (newer(s.epoch(), newest)) {
                newest = s.epoch();
            }
        }
        return newest;
    }

    /** The streams on a backend that were created no later than {@code epoch}. */
    long onBackendNotNewerThan(long epoch) {
        long count = 0;
        for (Stream s : streams) {
            if (s.onBackend() && !newer(s.epoch(), epoch)) {
                count++;
            }
        }
        return count;
    }
}
