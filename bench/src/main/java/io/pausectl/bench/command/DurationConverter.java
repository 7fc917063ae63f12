package io.pausectl.bench.command;

import io.pausectl.common.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Reads {@code 500ms}, {@code 10s}, {@code 5m} flags. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
