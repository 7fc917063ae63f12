package io.pausectl.common;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms,500", "30s,30000", "5m,300000", "1h,3600000", "0,0", " 2s ,2000", "0ms,0"})
    void parsesEveryUnit(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "5", "5x", "-1s", "1.5s", "5 s", "s", "1m30s", "10S", "9999999999999s"})
    void refusesWhatIsNotADurationWithAMessageThatShowsTheForm(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("e.g. 500ms, 30s, 5m, 1h");
    }

    @ParameterizedTest
    @CsvSource({"0,0s", "1500,1500ms", "30000,30s", "90000,90s", "300000,5m", "7200000,2h"})
    void formatsInTheLargestExactUnitAndParsesBack(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }
}
