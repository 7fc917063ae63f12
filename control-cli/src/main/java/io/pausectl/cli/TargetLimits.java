package io.pausectl.cli;

import io.pausectl.api.Limits;
import io.pausectl.api.Status;
import io.pausectl.common.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The limits of the targets that say them ({@code GET /v1/status} {@code limits}; HAProxy and older
 * proxies do not), read before anything is paused, so that a pause is checked against them instead of
 * meeting them: requests held past a target's queue timeout are answered 503, and a pause is ended by
 * the target at its own max-pause.
 */
final class TargetLimits {
    /** One target's limits. */
    record Known(String target, Limits limits) {
        Duration queueTimeout() {
            return Duration.ofMillis(limits.queueTimeoutMs());
        }

        Duration maxPause() {
            return Duration.ofMillis(limits.maxPauseMs());
        }
    }

    private final List<Known> known;

    TargetLimits(List<Known> known) {
        this.known = List.copyOf(known);
    }

    /** Reads every target's status in parallel; an unreachable target is left to the pause to report. */
    static TargetLimits read(Fleet fleet) {
        List<Known> known = new ArrayList<>();
        for (Fleet.Result<Status> r : fleet.each(t -> t.status())) {
            if (r.ok() && r.value().limits() != null) {
                known.add(new Known(r.target().name(), r.value().limits()));
            }
        }
        return new TargetLimits(known);
    }

    /** The shortest queue timeout of the targets, if any says it. */
    Optional<Duration> queueTimeout() {
        return known.stream().map(Known::queueTimeout).min(Duration::compareTo);
    }

    /** The shortest max-pause of the targets, if any says it. */
    Optional<Duration> maxPause() {
        return known.stream().map(Known::maxPause).min(Duration::compareTo);
    }

    /**
     * Why a pause of {@code length} (given as {@code option}) cannot be held whole, or null when it can:
     * it is longer than a target's max-pause (always refused: the target would end it), or, unless
     * {@code allowQueueTimeout}, longer than a target's queue timeout (requests held that long get 503).
     */
    String refusal(String option, Duration length, boolean allowQueueTimeout) {
        for (Known k : known) {
            if (length.compareTo(k.maxPause()) > 0) {
                return option + " " + Durations.format(length) + " is longer than " + k.target() + "'s --max-pause "
                        + Durations.format(k.maxPause()) + " (the proxy would end the pause there): use "
                        + option + " " + Durations.format(maxPause().orElseThrow()) + " or less";
            }
        }
        if (allowQueueTimeout) {
            return null;
        }
        for (Known k : known) {
            if (length.compareTo(k.queueTimeout()) > 0) {
                return option + " " + Durations.format(length) + " is longer than " + k.target() + "'s --queue-timeout "
                        + Durations.format(k.queueTimeout()) + " (requests held longer are answered 503): use "
                        + option + " " + Durations.format(queueTimeout().orElseThrow())
                        + " or less, or --allow-queue-timeout to go ahead anyway";
            }
        }
        return null;
    }

    /** The loud line said when a pause longer than a queue timeout goes ahead, or null when none is. */
    String accepted(String option, Duration length) {
        for (Known k : known) {
            if (length.compareTo(k.queueTimeout()) > 0) {
                return "WARNING: " + option + " " + Durations.format(length) + " is longer than " + k.target()
                        + "'s --queue-timeout " + Durations.format(k.queueTimeout())
                        + ": requests held that long will be answered 503 (--allow-queue-timeout)";
            }
        }
        return null;
    }
}
