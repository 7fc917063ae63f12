package io.pausectl.bench.command;

import io.pausectl.common.Durations;
import picocli.CommandLine;

import java.time.Duration;

/**
 * Reads a duration option in pausectl's one grammar (Go's: {@code 500ms}, {@code 10s},
 * {@code 1.5s}, {@code 1m30s}), more than 0 and at most {@link #MAX}; out of range is a usage error.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** No bench run lasts longer. */
    static final Duration MAX = Duration.ofHours(24);

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value, Duration.ofMillis(1), MAX);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
