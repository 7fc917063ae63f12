package io.pausectl.common;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizesTest {

    @ParameterizedTest
    @CsvSource({"512,512", "512B,512", "64KiB,65536", "64MiB,67108864", "2GiB,2147483648", "0,0"})
    void parsesBytesAndBinaryUnits(String text, long bytes) {
        assertThat(ByteSizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "64kb", "64MB", "64 MiB", "-1", "1.5MiB", "KiB"})
    void refusesWhatIsNotASize(String text) {
        assertThatThrownBy(() -> ByteSizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("e.g. 64KiB, 64MiB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999999999999GiB", "999999999999999MiB"})
    void refusesASizeThatOverflows(String text) {
        assertThatThrownBy(() -> ByteSizes.parse(text)).hasMessageContaining("too large");
    }

    @ParameterizedTest
    @CsvSource({"0,0B", "100,100B", "65536,64KiB", "67108864,64MiB", "1073741824,1GiB", "1536,1536B"})
    void formatsInTheLargestExactUnit(long bytes, String text) {
        assertThat(ByteSizes.format(bytes)).isEqualTo(text);
    }
}
