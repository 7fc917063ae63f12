package io.pausectl.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When the idle collector asks for a collection: a quiet second, nothing in flight or held, and enough promoted. */
class IdleCollectorTest {
    private static final long MIB = 1L << 20;

    /** A JVM and a proxy that do what the test says; a collection brings the old generation to its live size. */
    private static final class World implements IdleCollector.Readings {
        long requestsDone;
        long busy;
        long oldUsed = 6 * MIB;
        long oldLive = 6 * MIB;
        long oldCollections;
        boolean collectionsDisabled;
        int asked;

        void collect() {
            asked++;
            if (!collectionsDisabled) {
                oldCollections++;
                oldUsed = oldLive;
            }
        }

        @Override
        public long requestsDone() {
            return requestsDone;
        }

        @Override
        public long busy() {
            return busy;
        }

        @Override
        public long oldUsed() {
            return oldUsed;
        }

        @Override
        public long oldLive() {
            return oldLive;
        }

        @Override
        public long oldCollections() {
            return oldCollections;
        }
    }

    private final World world = new World();
    private final IdleCollector collector = new IdleCollector(world, world::collect);

    @Test
    void collectsOnceAfterAQuietSecondWithAMebibytePromoted() {
        world.requestsDone = 500;
        world.oldUsed = world.oldLive + MIB;
        assertThat(collector.check()).as("the first sample has nothing to compare with").isFalse();
        assertThat(collector.check()).isTrue();
        assertThat(world.asked).isEqualTo(1);
        assertThat(collector.check()).as("nothing promoted since").isFalse();
        assertThat(collector.check()).isFalse();
        assertThat(world.asked).isEqualTo(1);
        assertThat(collector.collections()).isEqualTo(1);
    }

    @Test
    void neverWhileRequestsAreAnswered() {
        world.oldUsed = world.oldLive + 8 * MIB;
        for (int i = 0; i < 10; i++) {
            world.requestsDone += 1;
            assertThat(collector.check()).isFalse();
        }
        assertThat(world.asked).isZero();
    }

    @Test
    void neverWhileAnythingIsInFlightOrHeld() {
        world.oldUsed = world.oldLive + 8 * MIB;
        world.busy = 1;
        collector.check();
        assertThat(collector.check()).as("a long request in flight, or one held, none answered").isFalse();
        world.busy = 0;
        assertThat(collector.check()).isTrue();
    }

    @Test
    void notForLessThanAMebibytePromoted() {
        world.oldUsed = world.oldLive + MIB - 1;
        collector.check();
        assertThat(collector.check()).isFalse();
        world.oldUsed += 1;
        assertThat(collector.check()).isTrue();
    }

    @Test
    void promotedAgainAfterTrafficIsCollectedInTheNextQuietSpell() {
        world.oldUsed = world.oldLive + 2 * MIB;
        collector.check();
        assertThat(collector.check()).isTrue();
        world.requestsDone += 1000;
        world.oldUsed += 3 * MIB;
        assertThat(collector.check()).as("traffic in the last second").isFalse();
        assertThat(collector.check()).isTrue();
        assertThat(world.asked).isEqualTo(2);
    }

    @Test
    void stopsAskingWhenExplicitCollectionsAreDisabled() {
        world.collectionsDisabled = true;
        world.oldUsed = world.oldLive + 4 * MIB;
        collector.check();
        assertThat(collector.check()).as("asked once").isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(collector.check()).isFalse();
        }
        assertThat(world.asked).isEqualTo(1);
        assertThat(collector.collections()).isZero();
    }
}
