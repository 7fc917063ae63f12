package io.pausectl.api;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin API's wire shape, as the proxy writes it and the CLI reads it. */
class JsonTest {

    @Test
    void statusRoundTripsWithLowercaseStateAndIsoInstants() throws Exception {
        Status status = new Status(PauseState.PAUSED, 3, 600, 1, 0, 1500,
                new Lease("abc", "pausectl@host:1", "migrate", Instant.parse("2026-11-25T05:00:00Z"),
                        new Scope(List.of("POST"), null, null)),
                Instant.parse("2026-11-25T04:59:00Z"), 7, new Counters(10, 6, 1, 2, 1, 3, 1, 0));
        String json = Json.strict().writeValueAsString(status);
        assertThat(json).contains("\"state\":\"paused\"", "\"expiresAt\":\"2026-11-25T05:00:00Z\"",
                "\"pathPrefixes\":[]");
        assertThat(Json.lenient().readValue(json, Status.class)).isEqualTo(status);
    }

    @Test
    void statusCarriesTheProxysLimits() throws Exception {
        Status status = new Status(PauseState.RUNNING, 0, 0, 0, 0, 0, null, null, 0, null)
                .withLimits(new Limits(30_000, 300_000, 10_000, 64L << 20));
        String json = Json.strict().writeValueAsString(status);
        assertThat(json).contains("\"limits\":{\"queueTimeoutMs\":30000,\"maxPauseMs\":300000,"
                + "\"maxQueued\":10000,\"maxQueuedBytes\":67108864}");
        assertThat(Json.lenient().readValue(json, Status.class)).isEqualTo(status);
    }

    @Test
    void theServerRefusesAnUnknownFieldAndTheClientIgnoresOne() throws Exception {
        String typo = "{\"reason\":\"x\",\"tll\":\"30s\"}";
        assertThatThrownBy(() -> Json.strict().readValue(typo, PauseRequest.class))
                .isInstanceOf(UnrecognizedPropertyException.class);
        String newer = "{\"state\":\"running\",\"queueDepth\":0,\"addedLater\":true}";
        assertThat(Json.lenient().readValue(newer, Status.class).state()).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void anOmittedScopeListHoldsEverything() throws Exception {
        Scope scope = Json.strict().readValue("{\"methods\":[\"PUT\"]}", Scope.class);
        assertThat(scope.methods()).containsExactly("PUT");
        assertThat(scope.pathPrefixes()).isEmpty();
        assertThat(scope.hosts()).isEmpty();
    }
}
