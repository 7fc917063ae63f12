package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class, with the reason, when no haproxy binary is installed here, but only
 * outside CI: with {@code CI} set the class runs and fails in its set-up, so that CI can never
 * pass by skipping the HAProxy tests.
 */
final class RequiresHaproxy implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        LocalHaproxyLauncher launcher = new LocalHaproxyLauncher();
        if (launcher.available()) {
            return ConditionEvaluationResult.enabled("haproxy is installed");
        }
        if (System.getenv("CI") != null) {
            return ConditionEvaluationResult.enabled("CI is set: missing haproxy must fail the build");
        }
        return ConditionEvaluationResult.disabled("skipped locally: " + launcher.unavailableReason());
    }
}
