package io.pausectl.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test class when Netty's leak detector reported a leak while it ran (or, since reports
 * come after garbage collection, shortly before). Registered for every test class through JUnit's
 * extension auto-detection, which the build turns on.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!LeakRecorder.installed()) {
            throw new IllegalStateException("LeakRecorder was not installed before the tests ran");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leak(s) during or before "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * Collects garbage, then allocates through the leak-aware allocators so that the detectors poll
     * their reference queues and report what was collected unreleased.
     */
    static List<String> collect() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (int j = 0; j < 64; j++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(8);
                a.release();
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(8);
                b.release();
            }
        }
        return LeakRecorder.drain();
    }
}
