package io.pausectl.bench.command;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bench's duration options: pausectl's grammar, the bench's bounds (more than 0, at most 24h). */
class DurationConverterTest {
    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsGoDurations() {
        assertThat(converter.convert("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(converter.convert("24h")).isEqualTo(DurationConverter.MAX);
    }

    @Test
    void outOfRangeOrMalformedIsAUsageError() {
        assertThatThrownBy(() -> converter.convert("0s")).isInstanceOf(CommandLine.TypeConversionException.class);
        assertThatThrownBy(() -> converter.convert("25h")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("24h");
        assertThatThrownBy(() -> converter.convert("10")).isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
