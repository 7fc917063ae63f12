package io.pausectl.cli;

import io.pausectl.api.AdminRequests;
import io.pausectl.common.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/**
 * Reads a duration option in the one grammar pausectl uses everywhere (Go's: {@code 500ms},
 * {@code 30s}, {@code 1.5s}, {@code 1m30s}, {@code 1h}), bounded so that a value out of range is a
 * usage error (exit 2) before anything is asked of a target. This base reads 0 to
 * {@link Durations#MAX}; the nested converters narrow it per option, and pause-bench's options
 * extend it with bounds of their own: the one picocli adapter of {@link Durations} for every command line.
 */
public class DurationConverter implements ITypeConverter<Duration> {
    private final Duration min;
    private final Duration max;

    public DurationConverter() {
        this(Duration.ZERO, Durations.MAX);
    }

    /** Reads {@code min} to {@code max}, both included. */
    protected DurationConverter(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value, min, max);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** More than 0, at most {@link Durations#MAX}: timeouts, --max-pause, --kill-after. */
    static final class Positive extends DurationConverter {
        Positive() {
            super(Duration.ofMillis(1), Durations.MAX);
        }
    }

    /** A lease's ttl: 1s (renewals need room) to what the admin API reads. */
    static final class Ttl extends DurationConverter {
        Ttl() {
            super(Duration.ofSeconds(1), AdminRequests.MAX_TTL);
        }
    }

    /** --wait-idle: 0 to what the admin API reads. */
    static final class WaitIdle extends DurationConverter {
        WaitIdle() {
            super(Duration.ZERO, AdminRequests.MAX_WAIT_IDLE);
        }
    }
}
