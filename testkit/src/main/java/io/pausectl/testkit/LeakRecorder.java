package io.pausectl.testkit;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Records every leak Netty's detector reports, so that a test run can fail on it instead of
 * only logging it. Installed by {@link LeakRecorderInstaller} before any buffer class is loaded
 * (the detectors are created in static initialisers).
 */
public final class LeakRecorder {
    private static final List<String> LEAKS = new ArrayList<>();
    private static volatile boolean installed;
    private static volatile boolean quiet;

    private LeakRecorder() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                    Class<T> resource, int samplingInterval, long maxActive) {
                return new RecordingDetector<>(resource, samplingInterval);
            }
        });
    }

    /** Whether the recorder was installed before Netty created its detectors. */
    public static boolean installed() {
        return installed;
    }

    /**
     * Runs {@code action} with leak reports recorded but not logged: for the test that leaks on
     * purpose to prove the check works, so that a real leak is the only {@code LEAK} line a run prints.
     */
    static <T> T quietly(Supplier<T> action) {
        quiet = true;
        try {
            return action.get();
        } finally {
            quiet = false;
        }
    }

    /** Returns and forgets the leaks reported since the last call. */
    public static synchronized List<String> drain() {
        List<String> out = new ArrayList<>(LEAKS);
        LEAKS.clear();
        return out;
    }

    private static synchronized void record(String leak) {
        LEAKS.add(leak);
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + records);
            if (!quiet) {
                super.reportTracedLeak(resourceType, records);
            }
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " (untraced)");
            if (!quiet) {
                super.reportUntracedLeak(resourceType);
            }
        }
    }
}
