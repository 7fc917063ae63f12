package io.pausectl.testkit.containers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class or method only where a container engine has {@link #images()}: elsewhere it
 * is skipped with the reason, except where {@code CI} is set, where it runs and fails in its
 * set-up (see {@link ContainerEngine#require(String...)}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ContainerEngineCondition.class)
public @interface RequiresContainerEngine {
    /** The images the test runs, e.g. {@link ContainerEngine#POSTGRES_IMAGE}. */
    String[] images() default {ContainerEngine.DEBIAN_IMAGE};
}
