package io.pausectl.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's streaming reader of the admin API's answers ({@link AnswerReader}) and the lenient
 * databind mapper ({@link Json#lenient()}) are one contract: the same documents are accepted, as the
 * same records, and the same are refused.
 */
class AnswerReaderTest {
    private static final String FULL = "{\"state\":\"paused\",\"queueDepth\":3,\"queuedBytes\":600,\"inFlight\":1,"
            + "\"inFlightInScope\":0,\"oldestHeldMs\":1500,\"lease\":{\"id\":\"abc\",\"holder\":\"pausectl@h:1\","
            + "\"reason\":\"migrate\",\"expiresAt\":\"2026-11-25T05:00:00Z\",\"scope\":{\"methods\":[\"POST\"],"
            + "\"pathPrefixes\":[],\"hosts\":[\"app.example\"]}},\"pausedSince\":\"2026-11-25T04:59:00.123456789Z\","
            + "\"maxQueueDepth\":7,\"counters\":{\"held\":10,\"released\":6,\"timedOut\":1,\"rejected\":2,"
            + "\"clientGone\":1,\"pausesResumed\":3,\"pausesExpired\":1,\"shutdown\":0,\"cancelled\":1,"
            + "\"maintenance\":2,\"maintenanceAnswered\":5},\"limits\":{\"queueTimeoutMs\":30000,\"maxPauseMs\":300000,"
            + "\"maxQueued\":10000,\"maxQueuedBytes\":67108864},\"maintenance\":{\"id\":\"m-1\",\"holder\":\"ops\","
            + "\"message\":\"back soon\",\"retryAfterSeconds\":60,\"expiresAt\":\"2026-11-25T06:00:00Z\",\"scope\":null}}";

    @Test
    void whatTheProxyWritesReadsBackWhole() throws Exception {
        Instant at = Instant.parse("2026-11-25T05:00:00.5Z");
        Scope scope = new Scope(List.of("POST", "PUT"), List.of("/orders"), List.of());
        Status status = new Status(PauseState.DRAINING, 3, 600, 1, 0, 1500,
                new Lease("abc", "pausectl@host:1", "migrate \"now\" \u00e9\u2603", at, scope), at.minusSeconds(60), 7,
                new Counters(10, 6, 1, 2, 1, 3, 1, 4, 5, 6, 7), new Limits(30_000, 300_000, 10_000, 64L << 20),
                new Maintenance("m-1", "ops", "back soon", 60, at.plusSeconds(600), Scope.ALL));
        for (Status s : List.of(status, new Status(PauseState.RUNNING, 0, 0, 0, 0, 0, null, null, 0, null))) {
            String json = Json.strict().writeValueAsString(s);
            assertThat(AnswerReader.read(json, Status.class)).isEqualTo(s);
        }
        HeldList held = new HeldList(2, List.of(new HeldRequest(1, "GET", "/a", "h", "127.0.0.1:5", 12)));
        assertThat(AnswerReader.read(Json.strict().writeValueAsString(held), HeldList.class)).isEqualTo(held);
        ApiError error = new ApiError("conflict", "already paused");
        assertThat(AnswerReader.read(Json.strict().writeValueAsString(error), ApiError.class)).isEqualTo(error);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            FULL,
            "{}",
            "{\"state\":\"running\"}",
            "{\"state\":\"RUNNING\",\"queueDepth\":0}",
            "{\"state\":\"Paused\"}",
            // a newer proxy's fields, at the top and nested, of every shape
            "{\"state\":\"running\",\"addedLater\":true,\"more\":{\"a\":[1,{\"b\":null}]},\"list\":[[]]}",
            "{\"lease\":{\"id\":\"x\",\"extra\":[1,2],\"scope\":{\"methods\":[\"GET\"],\"regex\":\".*\"}}}",
            // nulls and missing fields
            "{\"state\":null,\"queueDepth\":null,\"lease\":null,\"pausedSince\":null,\"counters\":null}",
            "{\"lease\":{\"scope\":{\"methods\":null}}}",
            "{\"lease\":{\"scope\":{}}}",
            // a repeated field: the last wins
            "{\"queueDepth\":1,\"queueDepth\":2}",
            "{\"lease\":{\"id\":\"a\"},\"lease\":{\"id\":\"b\"}}",
            // numbers written otherwise
            "{\"queueDepth\":\"5\"}",
            "{\"queuedBytes\":\" 7 \"}",
            "{\"queueDepth\":2.9}",
            "{\"queueDepth\":-3}",
            "{\"queuedBytes\":9223372036854775807}",
            "{\"queueDepth\":2147483647}",
            "{\"queueDepth\":1e2}",
            "{\"queueDepth\":\"\"}",
            // a number field given the text null: databind's "textual null", read as null (0) (note5)
            "{\"queueDepth\":\"null\"}",
            "{\"queuedBytes\":\"null\"}",
            "{\"oldestHeldMs\":\"null\",\"maxQueueDepth\":\"null\"}",
            "{\"counters\":{\"held\":\"null\"}}",
            "{\"limits\":{\"maxQueued\":\"null\"}}",
            "{\"queueDepth\":\" null \"}",
            "{\"queueDepth\":\"NULL\"}",
            "{\"queueDepth\":\"Null\"}",
            "{\"pausedSince\":\"null\"}",
            "{\"state\":\"null\"}",
            "{\"lease\":{\"id\":\"null\",\"expiresAt\":\"null\"}}",
            "{\"lease\":\"null\"}",
            "{\"lease\":{\"scope\":{\"methods\":\"null\"}}}",
            // strings written otherwise
            "{\"lease\":{\"id\":17,\"holder\":true,\"reason\":1.5}}",
            "{\"lease\":{\"scope\":{\"methods\":[1,true]}}}",
            // instants
            "{\"pausedSince\":\"2026-11-25T04:59:00Z\"}",
            "{\"pausedSince\":\"2026-11-25T04:59:00.5Z\"}",
            "{\"pausedSince\":1764046740}",
            "{\"pausedSince\":1764046740.25}",
            "{\"pausedSince\":\"\"}",
            "{\"pausedSince\":\"1764046740\"}",
            // past what a field holds (found in review: raw ArithmeticException/DateTimeException before)
            "{\"pausedSince\":99999999999999999}",
            "{\"pausedSince\":1e20}",
            "{\"pausedSince\":-1e20}",
            "{\"pausedSince\":\"99999999999999999\"}",
            "{\"queueDepth\":2147483647.9}",
            "{\"queueDepth\":-2147483648.5}",
            "{\"queueDepth\":\"5.5\"}",
            "{\"queueDepth\":\"1e2\"}",
            // anything after the object is not read
            "{\"state\":\"running\"} trailing",
            "{\"state\":\"running\"}{\"state\":\"paused\"}",
            // refused: not JSON, not an object, wrong shapes, out of range, unknown state
            "",
            "   ",
            "<html>a dashboard</html>",
            "[]",
            "[{\"state\":\"running\"}]",
            "\"running\"",
            "42",
            "{",
            "{\"state\":\"running\"",
            "{\"state\":\"running\",}",
            "{\"state\":\"asleep\"}",
            "{\"state\":\"\"}",
            "{\"state\":{}}",
            "{\"state\":[\"running\"]}",
            "{\"queueDepth\":\"five\"}",
            "{\"queueDepth\":{}}",
            "{\"queueDepth\":[1]}",
            "{\"queueDepth\":true}",
            "{\"queueDepth\":2147483648}",
            "{\"queuedBytes\":9223372036854775808}",
            "{\"lease\":\"abc\"}",
            "{\"lease\":[]}",
            "{\"lease\":42}",
            "{\"lease\":{\"id\":{}}}",
            "{\"lease\":{\"id\":[\"a\"]}}",
            "{\"lease\":{\"scope\":{\"methods\":\"POST\"}}}",
            "{\"lease\":{\"scope\":{\"methods\":[{}]}}}",
            "{\"lease\":{\"scope\":{\"methods\":[\"GET\",null]}}}",
            "{\"pausedSince\":\"yesterday\"}",
            "{\"pausedSince\":\"2026-11-25\"}",
            "{\"pausedSince\":{}}",
            "{\"pausedSince\":true}",
            "{\"counters\":[]}",
            "{\"counters\":{\"held\":\"x\"}}",
            "{\"limits\":{\"maxQueued\":1e10}}",
            "{\"state\":'running'}",
            "{state:\"running\"}",
    })
    void acceptsAndRefusesWhatTheLenientMapperDoes(String document) {
        Object viaDatabind;
        try {
            viaDatabind = Json.lenient().readValue(document, Status.class);
        } catch (JsonProcessingException e) {
            viaDatabind = null;
        }
        if (viaDatabind == null) {
            assertThatThrownBy(() -> AnswerReader.read(document, Status.class)).as(document)
                    .isInstanceOf(JsonProcessingException.class);
        } else {
            Object expected = viaDatabind;
            assertThat(read(document)).as(document).isEqualTo(expected);
        }
    }

    @Test
    void aRefusalSaysWhatWasWrong() {
        assertThatThrownBy(() -> AnswerReader.read("{\"lease\":\"abc\"}", Status.class))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("io.pausectl.api.Lease");
        assertThatThrownBy(() -> AnswerReader.read("{\"state\":\"asleep\"}", Status.class))
                .hasMessageContaining("\"asleep\"");
    }

    private static Status read(String document) {
        try {
            return AnswerReader.read(document, Status.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(document + " refused: " + e.getOriginalMessage(), e);
        }
    }
}
