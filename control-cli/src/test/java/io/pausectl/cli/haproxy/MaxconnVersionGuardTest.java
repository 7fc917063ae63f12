package io.pausectl.cli.haproxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The version table of {@link MaxconnVersionGuard}: each branch's edges, both sides. */
class MaxconnVersionGuardTest {

    @ParameterizedTest(name = "{0} refused={1}")
    @CsvSource({
            // before the listener locking change reached each branch
            "2.2.33, false",
            "2.4.23, false",
            "2.4.24, true",
            "2.4.27, true",
            "2.4.28, false",
            "2.5.0, true",
            "2.5.14, true",
            "2.6.5, false",
            "2.6.6, true",
            "2.6.12, true",
            "2.6.12-1+deb12u4, true",
            "2.6.19, true",
            "2.6.20, false",
            "2.6.22, false",
            "2.7-dev5, false",
            "2.7-dev6, true",
            "2.7.0, true",
            "2.7.12, true",
            "2.8-dev3, true",
            "2.8.0, true",
            "2.8.11, true",
            "2.8.12, false",
            "2.9.0, true",
            "2.9.15, true",
            "3.0.0, true",
            "3.0.5, true",
            "3.0.6, false",
            "3.1-dev8, true",
            "3.1-dev9, false",
            "3.1.0, false",
            "3.2.0, false",
            "3.2.0-e134140, false",
            "3.3.0, false"
    })
    void refusesExactlyTheVersionsThatCrash(String version, boolean refused) {
        assertThat(MaxconnVersionGuard.refusal(HaproxyVersion.parse(version)).isPresent()).isEqualTo(refused);
    }

    @ParameterizedTest
    @CsvSource({"2.6.12-1+deb12u4, fixed in 2.6.20", "2.9.3, no fixed 2.9 release is known"})
    void theRefusalNamesTheVersionTheBugAndTheGateStrategy(String version, String fix) {
        String reason = MaxconnVersionGuard.refusal(HaproxyVersion.parse(version)).orElseThrow();

        assertThat(reason).contains("HAProxy " + version).contains("haproxy/haproxy#2726").contains(fix)
                .contains("--strategy gate");
    }

    @ParameterizedTest
    @CsvSource({
            "2.6.12-1+deb12u4, 2, 6, 12, -1",
            "3.2.0, 3, 2, 0, -1",
            "3.1-dev9-abc123, 3, 1, 0, 9",
            "2.8, 2, 8, 0, -1"})
    void parsesVersions(String text, int major, int minor, int patch, int dev) {
        HaproxyVersion v = HaproxyVersion.parse(text);

        assertThat(v).extracting(HaproxyVersion::major, HaproxyVersion::minor, HaproxyVersion::patch,
                HaproxyVersion::dev).containsExactly(major, minor, patch, dev);
        assertThat(v.text()).isEqualTo(text);
    }
}
