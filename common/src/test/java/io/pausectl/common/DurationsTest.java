package io.pausectl.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms,500000000", "30s,30000000000", "5m,300000000000", "1h,3600000000000", "0,0",
            " 2s ,2000000000", "0ms,0", "1.5s,1500000000", "1m30s,90000000000", "1h30m,5400000000000",
            "1h0m5s,3605000000000", ".5s,500000000", "1.s,1000000000", "+2s,2000000000", "1.5ms,1500000",
            "100us,100000", "100µs,100000", "7ns,7", "2h45m30.5s,9930500000000", "1.0000000001s,1000000000",
            "8760h,31536000000000000"})
    void readsGoDurationGrammar(String text, long nanos) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "5x", "1.5.5s", "5 s", "s", ".s", "10S", "1e3s", "1s2", "PT0S", "5 minutes",
            "forever", "+", "1h 30m", "0x10s", "١s"})
    void refusesWhatIsNotADurationWithAMessageThatShowsTheForm(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text.strip() + "' is not a duration")
                .hasMessageContaining("e.g. 500ms, 30s, 1.5s, 1m30s, 1h");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void saysADurationIsRequired(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("a duration is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999h", "9223372037s", "8760h1ns", "2562048h", "99999999999999999999999999999h",
            "1000000000000000000000000000000000000000000000000000000000000ms"})
    void refusesWhatOverflowsOrExceedsTheCeiling(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is too long: at most 8760h");
    }

    @Test
    void refusesLongTextBeforeReadingIt() {
        String text = "1".repeat(10_000) + "s";
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a duration")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
    }

    @Test
    void refusesNegativeDurations() {
        assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("'-1s' is negative");
    }

    @Test
    void checksTheRangeASettingNames() {
        assertThat(Durations.parse("1m30s", Duration.ofSeconds(1), Duration.ofHours(1)))
                .isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Durations.parse("2h", Duration.ofSeconds(1), Duration.ofHours(1)))
                .hasMessage("'2h' is too long: at most 1h");
        assertThatThrownBy(() -> Durations.parse("500ms", Duration.ofSeconds(1), Duration.ofHours(1)))
                .hasMessage("'500ms' is too short: at least 1s");
        assertThatThrownBy(() -> Durations.parse("0s", Duration.ofNanos(1), Duration.ofHours(1)))
                .hasMessage("'0s' must be more than 0");
    }

    @Test
    void escapesControlCharactersInItsMessages() {
        assertThatThrownBy(() -> Durations.parse("5s\nERROR forged"))
                .hasMessageContaining("'5s\\nERROR forged' is not a duration")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @ParameterizedTest
    @CsvSource({"0,0s", "1500000000,1500ms", "30000000000,30s", "90000000000,90s", "300000000000,5m",
            "7200000000000,2h", "1500000,1500us", "7,7ns"})
    void formatsInTheLargestExactUnitAndParsesBack(long nanos, String text) {
        assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }
}
