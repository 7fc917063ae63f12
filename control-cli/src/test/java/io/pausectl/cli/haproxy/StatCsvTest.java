package io.pausectl.cli.haproxy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link StatCsv} against {@code show stat} captured from HAProxy 2.6.12 (resource haproxy/show-stat-2.6.12.csv). */
class StatCsvTest {

    private static String capture() throws IOException {
        try (InputStream in = StatCsvTest.class.getResourceAsStream("/haproxy/show-stat-2.6.12.csv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsEveryRowKeyedOnHeaderNames() throws IOException {
        List<StatRow> rows = StatCsv.parse(capture());

        assertThat(rows).extracting(StatRow::pxname, StatRow::svname).containsExactly(
                org.assertj.core.groups.Tuple.tuple("fe_main", "FRONTEND"),
                org.assertj.core.groups.Tuple.tuple("be_app", "s1"),
                org.assertj.core.groups.Tuple.tuple("be_app", "s2"),
                org.assertj.core.groups.Tuple.tuple("be_app", "BACKEND"),
                org.assertj.core.groups.Tuple.tuple("be_spare", "spare"),
                org.assertj.core.groups.Tuple.tuple("be_spare", "BACKEND"));
        StatRow frontend = rows.get(0);
        assertThat(frontend.isFrontend()).isTrue();
        assertThat(frontend.getLong("slim", -1)).isEqualTo(1234);
        assertThat(frontend.getLong("iid", -1)).isEqualTo(2);
        assertThat(frontend.get("status")).isEqualTo("OPEN");
        assertThat(rows.get(3).isBackend()).isTrue();
        assertThat(rows.get(3).getLong("slim", -1)).isEqualTo(124);
    }

    @Test
    void unquotesQuotedFieldsWithCommasAndQuotes() throws IOException {
        StatRow s1 = StatCsv.parse(capture()).get(1);

        // The check answered "503 Down, "really"": HAProxy quotes it, and the columns after it stay aligned.
        assertThat(s1.get("last_chk")).isEqualTo("Down, \"really\"");
        assertThat(s1.get("check_desc")).isEqualTo("Layer7 wrong status");
        assertThat(s1.get("addr")).isEqualTo("127.0.0.1:18082");
        assertThat(s1.get("mode")).isEqualTo("http");
    }

    @Test
    void leavesEmptyFieldsOutAndFallsBack() throws IOException {
        StatRow frontend = StatCsv.parse(capture()).get(0);

        assertThat(frontend.get("qcur")).isNull();
        assertThat(frontend.getLong("qcur", 7)).isEqualTo(7);
        assertThat(frontend.fields()).doesNotContainKey("");
    }

    @Test
    void findsColumnsByNameWhateverTheirOrder() {
        List<StatRow> rows = StatCsv.parse("# svname,scur,pxname,\nBACKEND,3,be_a,\nBACKEND,,be_b,\n\n");

        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).pxname()).isEqualTo("be_a");
        assertThat(rows.get(0).getLong("scur", 0)).isEqualTo(3);
        assertThat(HaproxyTarget.inFlight(rows)).isEqualTo(3);
    }

    @Test
    void refusesWhatIsNotShowStat() {
        assertThatThrownBy(() -> StatCsv.parse("Unknown command."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not 'show stat' CSV");
        assertThatThrownBy(() -> StatCsv.parse("# a,b\n1,2\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pxname");
    }

    @Test
    void aNonNumberInANumericColumnIsAClearError() {
        StatRow row = StatCsv.parse("# pxname,svname,scur\nbe,BACKEND,lots\n").get(0);

        assertThatThrownBy(() -> row.getLong("scur", 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scur").hasMessageContaining("be/BACKEND").hasMessageContaining("lots");
    }
}
