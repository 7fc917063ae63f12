package io.pausectl.fleet;

import io.pausectl.api.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A node's own bound: the intent's ttl per renewal, never past max-pause from the first pause for that intent. */
class LocalBoundTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LocalBound bound = new LocalBound(Duration.ofSeconds(10), now::get);

    private static Intent intent(String id, String ttl) {
        return new Intent(id, "ops@h", "migrate", ttl, "1s", Scope.ALL, Instant.EPOCH);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void eachReadRenewsForTheIntentsTtlUntilMaxPauseIsUsedUp() {
        LocalBound.Renewal first = bound.read(intent("w1", "3s"));
        assertThat(first.newIntent()).isTrue();
        assertThat(first.ttl()).contains(Duration.ofSeconds(3));
        advance(Duration.ofSeconds(8));
        LocalBound.Renewal later = bound.read(intent("w1", "3s"));
        assertThat(later.newIntent()).isFalse();
        assertThat(later.ttl()).as("capped by what is left of max-pause").contains(Duration.ofSeconds(2));
        advance(Duration.ofSeconds(2));
        assertThat(bound.read(intent("w1", "3s")).exhausted()).isTrue();
    }

    @Test
    void pausingAgainForTheSameIntentAfterAPartitionDoesNotStartMaxPauseAfresh() {
        bound.read(intent("w1", "3s"));
        advance(Duration.ofSeconds(9));
        // No read for a while (cut off), then the intent is seen again: the budget is the one from the first pause.
        assertThat(bound.read(intent("w1", "3s")).ttl()).contains(Duration.ofSeconds(1));
    }

    @Test
    void aNewIntentOrOneReadAfterTheLastWasGoneCountsAfresh() {
        bound.read(intent("w1", "3s"));
        advance(Duration.ofSeconds(10));
        assertThat(bound.replaces(intent("w2", "3s"))).isTrue();
        assertThat(bound.replaces(intent("w1", "3s"))).isFalse();
        LocalBound.Renewal next = bound.read(intent("w2", "3s"));
        assertThat(next.newIntent()).isTrue();
        assertThat(next.ttl()).contains(Duration.ofSeconds(3));
        bound.forget();
        assertThat(bound.intentId()).isNull();
        assertThat(bound.replaces(intent("w3", "3s"))).isFalse();
        assertThat(bound.read(intent("w2", "3s")).newIntent()).isTrue();
    }

    @Test
    void theRenewalIntervalIsAThirdOfTheTtlBetween100MsAnd1s() {
        bound.read(intent("w1", "3s"));
        assertThat(bound.renewEveryMillis()).isEqualTo(1000);
        bound.read(intent("w1", "1s"));
        assertThat(bound.renewEveryMillis()).isEqualTo(333);
        bound.read(intent("w1", "30s"));
        assertThat(bound.renewEveryMillis()).isEqualTo(1000);
        assertThat(TimeUnit.MILLISECONDS.toSeconds(new LocalBound(Duration.ofMinutes(5)).renewEveryMillis()))
                .as("before any intent: the 30 s default's third, capped").isEqualTo(1);
    }
}
