package io.pausectl.bench.scenario;

import java.time.Duration;

/**
 * Runs the maintenance window against a proxy: pause, run a command lasting {@code pause}, resume.
 * The bench's driver is the real {@code pausectl run} code path.
 */
public interface PauseWindowDriver {
    /**
     * @return the exit code {@code pausectl run} gave
     */
    int runWindow(String adminUrl, Duration pause, Narrator narrator) throws Exception;

    /**
     * Asks the proxy's status the same way, before the load starts, so that the window itself is
     * not slowed by loading the driver's code for the first time.
     *
     * @return the exit code {@code pausectl status} gave
     */
    int status(String adminUrl, Narrator narrator) throws Exception;
}
