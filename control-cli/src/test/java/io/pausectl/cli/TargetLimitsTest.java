package io.pausectl.cli;

import io.pausectl.api.Limits;
import io.pausectl.api.PauseState;
import io.pausectl.api.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run} and {@code pause} against the limits the targets say: a window longer than a target's
 * queue timeout or max-pause is refused before anything is paused, or accepted loudly when asked; the
 * defaults follow the targets; the live line warns before held requests reach the queue timeout.
 */
class TargetLimitsTest {
    private static final Limits LIMITS = new Limits(30_000, 300_000, 10_000, 64L << 20);
    private final CliHarness cli = new CliHarness();

    private FakeTarget target(String url, Limits limits) {
        FakeTarget t = cli.target(url);
        t.limits = limits;
        return t;
    }

    @Test
    void aMaxPauseLongerThanATargetsQueueTimeoutIsRefusedBeforeAnythingIsPaused() {
        FakeTarget a = target("http://a:1", LIMITS);
        FakeTarget b = target("http://b:2", new Limits(8_000, 300_000, 10_000, 64L << 20));
        assertThat(cli.run("run", "--target", "http://a:1,http://b:2", "--max-pause", "20s", "--", "true"))
                .isEqualTo(2);
        assertThat(cli.err()).startsWith("pausectl: --max-pause 20s is longer than http://b:2's --queue-timeout 8s"
                + " (requests held longer are answered 503): use --max-pause 8s or less, or --allow-queue-timeout to"
                + " go ahead anyway (nothing was paused)\n");
        assertThat(a.events()).isEmpty();
        assertThat(b.events()).isEmpty();
    }

    @Test
    void withAllowQueueTimeoutItGoesAheadLoudly() {
        FakeTarget a = target("http://a:1", LIMITS);
        assertThat(cli.run("run", "--target", "http://a:1", "--max-pause", "90s", "--allow-queue-timeout", "--",
                "true")).as(cli.err()).isEqualTo(0);
        assertThat(cli.err()).contains("pausectl: WARNING: --max-pause 90s is longer than http://a:1's --queue-timeout"
                + " 30s: requests held that long will be answered 503 (--allow-queue-timeout)");
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    @Test
    void theDefaultMaxPauseIsTheShortestQueueTimeout() {
        target("http://a:1", new Limits(12_000, 300_000, 10_000, 64L << 20));
        assertThat(cli.run("run", "--target", "http://a:1", "--", "true")).as(cli.err()).isEqualTo(0);
        assertThat(cli.err()).contains("(traffic resumes after --max-pause 12s at the latest)")
                .doesNotContain("WARNING");
    }

    @Test
    void aTtlLongerThanATargetsMaxPauseIsRefusedEvenWhenAllowed() {
        FakeTarget a = target("http://a:1", new Limits(30_000, 60_000, 10_000, 64L << 20));
        assertThat(cli.run("pause", "--target", "http://a:1", "--ttl", "10m", "--allow-queue-timeout")).isEqualTo(2);
        assertThat(cli.err()).startsWith("pausectl: --ttl 10m is longer than http://a:1's --max-pause 1m (the proxy"
                + " would end the pause there): use --ttl 1m or less (nothing was paused)\n");
        assertThat(a.events()).isEmpty();
    }

    @Test
    void pauseTakesTheQueueTimeoutAsItsDefaultTtl() {
        FakeTarget a = target("http://a:1", LIMITS);
        assertThat(cli.run("pause", "--target", "http://a:1")).as(cli.err()).isEqualTo(0);
        assertThat(a.lastSpec().ttl()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theLiveLineWarnsBeforeHeldRequestsReachTheQueueTimeout() {
        FakeTarget a = target("http://a:1", new Limits(8_000, 300_000, 10_000, 64L << 20));
        Status calm = new Status(PauseState.PAUSED, 4, 900, 0, 0, 5_000, null, null, 4, null)
                .withLimits(a.limits);
        Status near = new Status(PauseState.PAUSED, 4, 900, 0, 0, 6_500, null, null, 4, null)
                .withLimits(a.limits);
        assertThat(PauseFeedback.line(List.of(new Fleet.Result<>(a, calm, null)), 7_000)).doesNotContain("WARNING");
        assertThat(PauseFeedback.line(List.of(new Fleet.Result<>(a, near, null)), 7_000))
                .endsWith(" | WARNING held requests get 503 in 1.5s (http://a:1 --queue-timeout 8s)");
    }
}
