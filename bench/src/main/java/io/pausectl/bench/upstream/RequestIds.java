package io.pausectl.bench.upstream;

/**
 * The bench's request ids: {@code X-Req-Id: <runId>-<seq>}, unique per request of a run. The
 * upstream echoes the header so the generator can tell a response meant for another request.
 */
public final class RequestIds {
    /** The header every bench request carries. */
    public static final String HEADER = "X-Req-Id";

    private RequestIds() {
    }

    public static String format(String runId, long seq) {
        return runId + "-" + seq;
    }

    /** The run of an id, or null when it is not a bench id. */
    public static String runOf(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        return dash <= 0 ? null : id.substring(0, dash);
    }

    /** The sequence number of an id, or -1 when it is not a bench id. */
    public static long seqOf(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        if (dash <= 0 || dash == id.length() - 1) {
            return -1;
        }
        long seq = 0;
        for (int i = dash + 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9' || seq > Long.MAX_VALUE / 10 - 10) {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return seq;
    }
}
