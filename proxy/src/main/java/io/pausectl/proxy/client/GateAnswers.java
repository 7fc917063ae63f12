package io.pausectl.proxy.client;

import io.pausectl.common.Durations;
import io.pausectl.proxy.gate.Refusal;

import java.time.Duration;

/**
 * What the proxy tells a client whose request the pause gate did not forward: the text after
 * {@code 503 Service Unavailable: } in the body. Written for whoever reads the client's error (a
 * developer, a log), so in the user's terms: what happened, that the request was not forwarded, and
 * that retrying is safe. Never an internal name (an enum constant, a setting's key). Maintenance mode
 * answers with the operator's own message instead.
 */
public final class GateAnswers {
    private static final String NOT_FORWARDED = "; it was not forwarded, so it is safe to retry";

    private GateAnswers() {
    }

    /**
     * A held request the gate answered instead of releasing.
     *
     * @param why          why the gate refused it; {@link Refusal#MAINTENANCE} has the operator's
     *                     message instead (see {@link io.pausectl.proxy.gate.MaintenanceNotice})
     * @param queueTimeout the longest a request is held ({@code --queue-timeout})
     */
    public static String refused(Refusal why, Duration queueTimeout) {
        switch (why) {
            case TIMED_OUT:
                return "the service is paused, and this request waited " + Durations.format(queueTimeout)
                        + ", the longest it may be held" + NOT_FORWARDED;
            case SHUTDOWN:
                return "the proxy is shutting down; this request was held" + NOT_FORWARDED;
            case CANCELLED:
                return "the service is paused, and an operator cancelled this held request" + NOT_FORWARDED;
            case MAINTENANCE:
                return "the service is down for maintenance" + NOT_FORWARDED + " later";
            default:
                throw new IllegalArgumentException("no answer for " + why);
        }
    }

    /**
     * A held request whose client ended its side of the connection (a half-close, or a close):
     * dropped from the queue, never forwarded.
     */
    public static String clientEnded() {
        return "the service is paused, and the client ended its side of the connection while this request was"
                + " held" + NOT_FORWARDED;
    }

    /**
     * A request refused at once, never held: the proxy already holds as many requests (or bytes of
     * them) as it may, or is shutting down.
     */
    public static String rejected(boolean shuttingDown) {
        return shuttingDown ? "the proxy is shutting down" + NOT_FORWARDED
                : "the service is paused, and the proxy already holds all the requests it can" + NOT_FORWARDED
                + " later";
    }
}
