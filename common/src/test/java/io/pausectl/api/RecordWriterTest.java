package io.pausectl.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RecordWriter} writes what databind's {@link Json#strict()} writes, character for character:
 * every record of the admin API, with every part present and with every part null, text that needs
 * escaping, instants of every precision, numbers at their ends. One JSON contract, two writers.
 */
class RecordWriterTest {
    private static final Instant WHOLE = Instant.parse("2026-11-25T05:00:00Z");
    private static final Scope SCOPE = new Scope(List.of("POST", "PUT"), List.of("/orders", "/ä"), List.of("app.example"));

    /** Text a writer must escape or keep as it is: quotes, backslashes, controls, non-ASCII, a surrogate pair. */
    private static final List<String> TEXTS = List.of("", "plain", "a \"quoted\" \\ back\\slash", "tab\tnew\nline\r",
            "\u0000\u001f\u007f", "caf\u00e9 \u2028 \u2029 \ud83d\ude00", "</script>", "x".repeat(5000));

    /** Instants at each precision ISO-8601 writes differently, and at the ends of what the API sees. */
    private static final List<Instant> INSTANTS = List.of(WHOLE, Instant.parse("2026-11-25T05:00:00.100Z"),
            Instant.parse("2026-11-25T05:00:00.123456Z"), Instant.parse("2026-11-25T05:00:00.123456789Z"),
            Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.parse("+10000-01-01T00:00:00Z"));

    static List<Object> apiValues() {
        List<Object> values = new ArrayList<>();
        Counters counters = new Counters(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Long.MAX_VALUE);
        Limits limits = new Limits(30_000, 300_000, Integer.MAX_VALUE, Long.MIN_VALUE);
        for (Instant t : INSTANTS) {
            Lease lease = new Lease("l-1", "pausectl/a@b:1", "add index", t, SCOPE);
            Maintenance maintenance = new Maintenance("m-1", "pausectl/a@b:1", "back soon", 60, t, SCOPE);
            for (PauseState state : PauseState.values()) {
                values.add(new Status(state, 3, 600, 2, 1, 1200, lease, t, 5, counters, limits, maintenance));
            }
            values.add(lease);
            values.add(maintenance);
        }
        values.add(new Status(PauseState.RUNNING, 0, 0, 0, 0, 0, null, null, 0, null, null, null));
        values.add(new Status(PauseState.PAUSED, Integer.MIN_VALUE, Long.MIN_VALUE, -1, -1, -1,
                new Lease(null, null, null, null, null), null, Integer.MAX_VALUE, counters));
        values.add(new Lease(null, null, null, null, Scope.ALL));
        values.add(Scope.ALL);
        values.add(new Scope(null, null, null));
        for (String text : TEXTS) {
            values.add(new PauseRequest(text, text, "30s", "10s", SCOPE, text));
            values.add(new MaintenanceRequest(text, "60s", "5m", text, SCOPE, text));
            values.add(new ApiError(text, text));
            values.add(new HeldRequest(7, text, text, text, text, 1500));
            values.add(new Scope(List.of(text), List.of(text, text), List.of()));
        }
        values.add(new PauseRequest(null, null, null, null, null, null));
        values.add(new MaintenanceRequest(null, null, null, null, null, null));
        values.add(new RenewRequest("l-1", "30s"));
        values.add(new RenewRequest(null, null));
        values.add(new ResumeRequest(null, true));
        values.add(new ResumeRequest("l-1", null));
        values.add(new ResumeRequest(null, false));
        values.add(new CancelRequest(Long.MAX_VALUE));
        values.add(new CancelRequest(0L));
        values.add(new HeldList(2, List.of(new HeldRequest(1, "GET", "/a", "h", "127.0.0.1:1", 0),
                new HeldRequest(Long.MIN_VALUE, null, null, null, null, Long.MAX_VALUE))));
        values.add(new HeldList(0, null));
        values.add(new ApiError(null, null));
        values.add(new CancelRequest(null));
        values.add(limits);
        values.add(counters);
        // the shapes around records: lists of them, nulls in lists, maps, an empty list
        values.add(List.of(new ApiError("a", "b"), new ApiError("c", null)));
        values.add(Arrays.asList(null, "x", 1, 2L, true, WHOLE, PauseState.DRAINING));
        values.add(List.of());
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("b", 1);
        map.put("a", null);
        map.put("c", List.of(Scope.ALL));
        values.add(map);
        return values;
    }

    @Test
    void writesWhatDatabindWritesForEveryRecordOfTheApi() throws JsonProcessingException {
        for (Object value : apiValues()) {
            assertThat(RecordWriter.write(value)).as("%s", value).isEqualTo(Json.strict().writeValueAsString(value));
            assertThat(RecordWriter.writeBytes(value)).as("%s", value).isEqualTo(Json.strict().writeValueAsBytes(value));
        }
    }

    @Test
    void whatItWritesReadsBackAsTheSameRecord() throws JsonProcessingException {
        Status status = (Status) apiValues().get(0);
        assertThat(AnswerReader.read(RecordWriter.write(status), Status.class)).isEqualTo(status);
        assertThat(Json.strict().readValue(RecordWriter.write(status), Status.class)).isEqualTo(status);
    }

    @Test
    void aValueOfAnUnknownTypeIsRefusedNotGuessed() {
        record WithAnObject(Object value) {
        }
        assertThatThrownBy(() -> RecordWriter.write(new WithAnObject(new Object())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cannot write a java.lang.Object as JSON");
        assertThatThrownBy(() -> RecordWriter.write(new WithAnObject(java.time.Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cannot write a java.time.Duration as JSON");
    }
}
