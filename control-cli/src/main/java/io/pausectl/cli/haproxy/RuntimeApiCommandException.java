package io.pausectl.cli.haproxy;

/**
 * HAProxy answered a runtime API command with an error: a line {@code [N]: text} whose severity N
 * is error or worse (0 to 3), or the unknown-command answer (which HAProxy 2.6 sends at
 * severity 6, info).
 */
public class RuntimeApiCommandException extends RuntimeApiException {
    private static final long serialVersionUID = 1L;

    private final int severity;
    private final String answer;

    public RuntimeApiCommandException(String message, int severity, String answer) {
        super(message);
        this.severity = severity;
        this.answer = answer;
    }

    /** The syslog severity HAProxy gave the answer (0 emergency ... 7 debug). */
    public int severity() {
        return severity;
    }

    /** HAProxy's own words, without the {@code [N]: } prefix. */
    public String answer() {
        return answer;
    }
}
