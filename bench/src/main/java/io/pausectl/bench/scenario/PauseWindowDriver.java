package io.pausectl.bench.scenario;

import java.time.Duration;

/**
 * Runs the maintenance window against a proxy: pause, run a command lasting {@code pause}, resume.
 * The bench's driver is the real {@code pausectl run} code path.
 */
@FunctionalInterface
public interface PauseWindowDriver {
    /**
     * @return the exit code {@code pausectl run} gave
     */
    int runWindow(String adminUrl, Duration pause, Narrator narrator) throws Exception;
}
