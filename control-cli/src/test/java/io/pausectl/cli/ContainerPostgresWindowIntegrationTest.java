package io.pausectl.cli;

import io.pausectl.testkit.containers.ContainerEngine;
import io.pausectl.testkit.containers.RequiresContainerEngine;
import io.pausectl.testkit.postgres.PostgresLauncher;
import io.pausectl.testkit.postgres.PostgresLaunchers;
import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * The PostgreSQL window scenarios on PostgreSQL 15 in a container built from Debian (testkit's
 * {@code ContainerPostgres}, on the engine {@code scripts/container-engine.sh} sets up). CI runs
 * it beside {@link LocalPostgresWindowIntegrationTest}; without an engine it is skipped with the reason, and
 * fails when {@code CI} is set. The report names each test with the image and engine that ran it.
 */
@DisplayNameGeneration(ContainerPostgresWindowIntegrationTest.NamedAfterTheContainer.class)
// Disabled with the reason when there is no engine (Surefire reports it; an abort in @BeforeAll it
// does not). With CI set it runs, and PostgresLaunchers.startOrSkip fails it.
@RequiresContainerEngine(images = ContainerEngine.POSTGRES_IMAGE)
class ContainerPostgresWindowIntegrationTest extends PostgresWindowScenarios {
    @Override
    PostgresLauncher launcher() {
        return PostgresLaunchers.container();
    }

    /**
     * E.g. {@code aLockWaitNamesTheIdleInTransactionBlocker [container localhost/pausectl/postgres:15
     * on podman 4.3.1 (API 1.41) at unix:///run/podman/podman.sock]}: Surefire's XML report takes
     * test names from here, class names from the class.
     */
    static final class NamedAfterTheContainer extends DisplayNameGenerator.Standard {
        @Override
        public String generateDisplayNameForClass(Class<?> testClass) {
            return "PostgreSQL window scenarios, " + PostgresLaunchers.container();
        }

        @Override
        public String generateDisplayNameForMethod(List<Class<?>> enclosingInstanceTypes, Class<?> testClass,
                                                   Method testMethod) {
            return testMethod.getName() + " [" + PostgresLaunchers.container() + "]";
        }
    }
}
