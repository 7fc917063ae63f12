package io.pausectl.testkit.containers;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** The condition behind {@link RequiresContainerEngine}. */
final class ContainerEngineCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String[] images = context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresContainerEngine.class))
                .map(RequiresContainerEngine::images)
                .orElse(null);
        if (images == null) {
            return ConditionEvaluationResult.enabled("no @RequiresContainerEngine here");
        }
        ContainerEngine engine = ContainerEngine.probe();
        String reason = engine.whyNot(images);
        if (reason == null) {
            return ConditionEvaluationResult.enabled("on " + engine.description());
        }
        if (System.getenv("CI") != null) {
            return ConditionEvaluationResult.enabled("CI is set: a missing container engine must fail the build");
        }
        return ConditionEvaluationResult.disabled("skipped locally: " + reason);
    }
}
