package io.pausectl.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The seed of a randomised test. A test method that declares a {@code RandomSeed} parameter
 * (with {@code @ExtendWith(RandomSeed.Extension.class)} on its class) gets a fresh seed, or the one
 * given with {@code -Dpausectl.seed=N}; when the test fails, the seed and the command line that
 * replays it are attached to the failure. Every random choice of the test must come from
 * {@link #random(int)}, so that one seed replays them (up to thread scheduling).
 */
public final class RandomSeed {
    /** The system property that replays a seed. */
    public static final String PROPERTY = "pausectl.seed";

    private final long seed;

    private RandomSeed(long seed) {
        this.seed = seed;
    }

    /** The seed. */
    public long value() {
        return seed;
    }

    /**
     * An independent generator for stream {@code n} (one per thread, say), fixed by the seed.
     * A {@link Random} is not to be shared between threads; take one stream per thread instead.
     */
    public Random random(int n) {
        return new Random(new SplittableRandom(seed + 0x9E3779B97F4A7C15L * n).nextLong());
    }

    @Override
    public String toString() {
        return "random seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + ")";
    }

    /** Hands out seeds and names the seed when a test fails. */
    public static final class Extension implements ParameterResolver, TestExecutionExceptionHandler {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RandomSeed.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == RandomSeed.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getStore(NS).computeIfAbsent("seed", k -> new RandomSeed(initialSeed()), RandomSeed.class);
        }

        private static long initialSeed() {
            String given = System.getProperty(PROPERTY);
            if (given != null && !given.isBlank()) {
                return Long.parseLong(given.trim());
            }
            return new SplittableRandom().nextLong();
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
            RandomSeed seed = context.getStore(NS).get("seed", RandomSeed.class);
            if (seed != null) {
                failure.addSuppressed(new SeedNote(seed + " for " + context.getDisplayName()));
            }
            throw failure;
        }
    }

    /** Carries the seed into the failure's report; has no stack trace of its own. */
    static final class SeedNote extends Throwable {
        SeedNote(String message) {
            super(message, null, false, false);
        }
    }
}
