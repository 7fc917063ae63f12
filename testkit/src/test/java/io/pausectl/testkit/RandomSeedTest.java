package io.pausectl.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** A randomised test's seed is named when it fails, and replays its choices. */
class RandomSeedTest {

    /**
     * Set while this class runs its examples through the engine: a test filter that names every class
     * of the package ({@code -Dtest=io/pausectl/testkit/**}, as land.sh gives) matches the nested examples
     * too, and they must not run, and fail, on their own there.
     */
    static final String INSIDE = "pausectl.randomSeedTest.inside";

    private static <T> T inside(java.util.function.Supplier<T> run) {
        System.setProperty(INSIDE, "true");
        try {
            return run.get();
        } finally {
            System.clearProperty(INSIDE);
        }
    }

    @Test
    void aFailureNamesTheSeedAndHowToReplayIt() {
        List<Event> failed = inside(() -> EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FailsWithASeed.class))
                .execute().testEvents().failed().list());
        assertEquals(1, failed.size());
        Throwable failure = failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow().getThrowable().orElseThrow();
        String notes = Arrays.toString(failure.getSuppressed());
        assertTrue(notes.matches("(?s).*random seed -?\\d+ \\(replay with -Dpausectl\\.seed=-?\\d+\\).*"), notes);
    }

    @Test
    void oneSeedGivesTheSameChoicesAndStreamsDiffer() {
        System.setProperty(RandomSeed.PROPERTY, "42");
        try {
            List<Event> ok = inside(() -> EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(RecordsChoices.class))
                    .execute().testEvents().succeeded().list());
            assertEquals(1, ok.size());
        } finally {
            System.clearProperty(RandomSeed.PROPERTY);
        }
        assertEquals(42, RecordsChoices.seen.value());
        assertEquals(RecordsChoices.choices(RecordsChoices.seen.random(0)),
                RecordsChoices.choices(RecordsChoices.seen.random(0)));
        assertNotEquals(RecordsChoices.choices(RecordsChoices.seen.random(0)),
                RecordsChoices.choices(RecordsChoices.seen.random(1)));
    }

    @ExtendWith(RandomSeed.Extension.class)
    @EnabledIfSystemProperty(named = INSIDE, matches = "true")
    static class FailsWithASeed {
        @Test
        void fails(RandomSeed seed) {
            throw new AssertionError("deliberate, with " + seed.value());
        }
    }

    @ExtendWith(RandomSeed.Extension.class)
    @EnabledIfSystemProperty(named = INSIDE, matches = "true")
    static class RecordsChoices {
        static RandomSeed seen;

        static List<Integer> choices(Random rnd) {
            return IntStream.range(0, 8).map(i -> rnd.nextInt(1000)).boxed().toList();
        }

        @Test
        void records(RandomSeed seed) {
            seen = seed;
        }
    }
}
