package io.pausectl.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leak check must be able to fail: a buffer dropped unreleased is reported. */
class NettyLeakCheckTest {

    @Test
    void reportsABufferDroppedWithoutRelease() {
        assertTrue(NettyLeakCheck.collect().isEmpty(), "no leak before the test");
        // Recorded, not logged: a passing run's only LEAK line would otherwise be this one.
        List<String> leaks = LeakRecorder.quietly(() -> {
            leakOne();
            return NettyLeakCheck.collect();
        });
        assertFalse(leaks.isEmpty(), "the dropped buffer was reported");
        assertTrue(leaks.get(0).startsWith("LEAK: ByteBuf"), leaks.get(0));
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(16);
        leaked.writeInt(42);
    }
}
