package io.pausectl.cli.haproxy;

import io.pausectl.cli.target.PauseTarget;

import java.time.Duration;
import java.util.List;

/** Builds the HAProxy targets named by {@code --haproxy}, {@code --frontend} and {@code --strategy}. */
public final class HaproxyTargets {
    private HaproxyTargets() {
    }

    /**
     * @param addresses {@code unix:/path/admin.sock} or {@code tcp://host:port}, one per HAProxy
     * @param frontend  the frontend to pause
     * @param strategy  {@code gate} or {@code maxconn}
     * @param timeout   connect and read timeout of one runtime API command
     * @throws IllegalArgumentException for a malformed address or an unknown strategy
     */
    public static List<PauseTarget> open(List<String> addresses, String frontend, String strategy, Duration timeout) {
        throw new UnsupportedOperationException("the HAProxy driver is being built (issue 5)");
    }
}
