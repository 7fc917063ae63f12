package io.pausectl.testkit.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.images.builder.Transferable;

/**
 * The engine path the container launchers take, end to end through Testcontainers and the
 * engine's Docker-compatible API: an image built from Debian's archive, a file copied in, the
 * container started on the host's network, waited for, and its output read back.
 */
@RequiresContainerEngine(images = ContainerEngine.DEBIAN_IMAGE)
class ContainerEngineProcessTest {

    @Test
    void aDebianContainerRunsThroughTheApi() {
        ContainerEngine.require(ContainerEngine.DEBIAN_IMAGE);
        try (GenericContainer<?> debian = new GenericContainer<>(ContainerEngine.DEBIAN_IMAGE)
                .withNetworkMode("host")
                .withCopyToContainer(Transferable.of("copied in\n"), "/tmp/probe.txt")
                .withCommand("sh", "-c", "cat /etc/debian_version /tmp/probe.txt")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
            debian.start();
            String[] lines = debian.getLogs().strip().split("\n");
            assertEquals(2, lines.length, () -> "output: " + debian.getLogs());
            assertTrue(lines[0].startsWith("12."), () -> "not Debian 12: " + lines[0]);
            assertEquals("copied in", lines[1]);
        }
    }
}
