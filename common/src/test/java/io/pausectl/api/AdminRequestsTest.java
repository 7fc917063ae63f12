package io.pausectl.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin API's bodies are read strictly and checked before anything acts on them. */
class AdminRequestsTest {

    private static <T> T read(String body, Class<T> type) {
        return AdminRequests.read(body.getBytes(StandardCharsets.UTF_8), type);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"reason\":\"a\",\"reason\":\"b\"}|field 'reason' is given twice",
            "{\"scope\":{\"hosts\":[],\"hosts\":[\"x\"]}}|field 'hosts' is given twice",
            "{\"reason\":\"a\"}{}|the body has more after its JSON object",
            "{\"reason\":\"a\"} x|the body is not JSON (line 1, column 16)",
            "{\"reason\":5}|'reason' must be a string",
            "{\"reason\":true}|'reason' must be a string",
            "{\"ttl\":30}|'ttl' must be a string",
            "{\"reason\":{}}|'reason' must be a string",
            "{\"scope\":{\"methods\":\"GET\"}}|'scope.methods' must be a list of strings",
            "{\"scope\":{\"methods\":[1]}}|'scope.methods[0]' must be a string",
            "{\"scope\":{\"methods\":[null]}}|'scope' must not hold null",
            "{\"scope\":\"\"}|'scope' must be an object",
            "[]|the body must be a JSON object",
            "\"x\"|the body must be a JSON object",
            "{\"tll\":\"30s\"}|unknown field 'tll'; known: holder, lease, reason, scope, ttl, waitIdle",
            "{\"reason\":\"a\"|the body is not JSON",
    })
    void refusesAPauseBodyThatIsNotExactlyTheShape(String body, String message) {
        assertThatThrownBy(() -> read(body, PauseRequest.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("java.", "Jackson", "\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"force\":1}|'force' must be true or false",
            "{\"force\":\"true\"}|'force' must be true or false",
            "{\"force\":0}|'force' must be true or false",
            "{\"force\":true,\"force\":false}|field 'force' is given twice",
    })
    void refusesAResumeBodyOfTheWrongTypes(String body, String message) {
        assertThatThrownBy(() -> read(body, ResumeRequest.class)).hasMessageStartingWith(message);
    }

    @Test
    void readsAnEmptyBodyAsNoneAndAGoodOneAsItIs() {
        assertThat(read("", PauseRequest.class)).isNull();
        assertThat(read(" \r\n", PauseRequest.class)).isNull();
        PauseRequest p = read("{\"reason\":\"migrate\",\"ttl\":\"1m30s\",\"scope\":{\"methods\":[\"POST\"]}} ",
                PauseRequest.class);
        assertThat(AdminRequests.check(p)).isSameAs(p);
        assertThat(AdminRequests.ttl(p.ttl())).contains(Duration.ofSeconds(90));
        assertThat(read("{\"force\":true}", ResumeRequest.class).force()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"reason\":\"migrate\\nINFO pause gate paused -> running\"}|'reason' must be one line of printable text",
            "{\"holder\":\"me\\r\"}|'holder' must be one line of printable text",
            "{\"holder\":\"me\\u0000\"}|'holder' must be one line of printable text",
            "{\"reason\":\"a\\u2028b\"}|'reason' must be one line of printable text",
            "{\"lease\":\"ab\\u001b[2J\"}|'lease' must be one line of printable text",
            "{\"scope\":{\"pathPrefixes\":[\"/x\\n\"]}}|'scope.pathPrefixes' must be one line of printable text",
    })
    void refusesControlCharactersInFreeText(String body, String message) {
        PauseRequest p = read(body, PauseRequest.class);
        assertThatThrownBy(() -> AdminRequests.check(p))
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r", "\u2028", "\u001b"));
    }

    /** The review's faults: {@code null} was read as {@code {}}, and parser text reached the caller. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {"null", "[]", "\"x\"", "5", "true", "[{}]", " null "})
    void refusesEveryTopLevelValueButAnObjectOnEveryEndpoint(String body) {
        for (Class<?> type : new Class<?>[] {PauseRequest.class, RenewRequest.class, ResumeRequest.class,
                MaintenanceRequest.class, CancelRequest.class}) {
            assertThatThrownBy(() -> read(body, type)).as(type.getSimpleName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the body must be a JSON object, e.g. {");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{}x|the body is not JSON (line 1, column 3); send one JSON object, e.g. {",
            "{\"reason\":tru}|the body is not JSON (line 1, column 1",
            "{\"reason\":\"a\"|the body is not JSON",
            "{reason:1}|the body is not JSON (line 1, column 2)",
            "{\"reason\":\"a\",}|the body is not JSON",
            "\u00ff|the body is not JSON",
            "{\"ttl\":\"1s\"}]|the body",
    })
    void aBodyThatIsNotJsonIsToldInTheCallersTerms(String body, String message) {
        assertThatThrownBy(() -> read(body, PauseRequest.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Unrecognized", "expecting", "token",
                        "JSON String", "Unexpected", "Cannot", "character (", "code ", "java.", "Jackson", "\n"));
    }

    @Test
    void aBodyOfInvalidUtf8IsNotJson() {
        byte[] body = {'{', '"', 'r', 'e', 'a', 's', 'o', 'n', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThatThrownBy(() -> AdminRequests.read(body, PauseRequest.class))
                .hasMessageStartingWith("the body is not JSON (line 1, column ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("UTF", "byte", "0x"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"reason\":\"a\\ud800\"}|'reason' must be Unicode text",
            "{\"holder\":\"\\udfff b\"}|'holder' must be Unicode text",
            "{\"lease\":\"\\udbff\"}|'lease' must be Unicode text",
            "{\"scope\":{\"hosts\":[\"a\\ud800.example\"]}}|'scope.hosts' must be Unicode text",
    })
    void refusesALoneSurrogateInFreeText(String body, String message) {
        PauseRequest p = read(body, PauseRequest.class);
        assertThatThrownBy(() -> AdminRequests.check(p))
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(io.pausectl.common.Printable.hasLoneSurrogate(e.getMessage())).isFalse());
        assertThat(AdminRequests.check(read("{\"reason\":\"\\ud83d\\ude00 ok\"}", PauseRequest.class)).reason())
                .isEqualTo("\ud83d\ude00 ok");
        assertThatThrownBy(() -> AdminRequests.check(read("{\"message\":\"down \\ud800\"}", MaintenanceRequest.class)))
                .hasMessageStartingWith("'message' must be Unicode text");
    }

    @Test
    void aQueryParameterIsKnownAndGivenOnce() {
        assertThat(AdminRequests.query(java.util.Map.of("limit", java.util.List.of("5")), "limit"))
                .isEqualTo(java.util.Map.of("limit", "5"));
        assertThatThrownBy(() -> AdminRequests.query(java.util.Map.of("limit", java.util.List.of("1", "2")), "limit"))
                .hasMessage("query parameter 'limit' is given 2 times; give it once");
        assertThatThrownBy(() -> AdminRequests.query(java.util.Map.of("limt", java.util.List.of("1")), "limit"))
                .hasMessage("unknown query parameter 'limt'; known: limit");
        assertThatThrownBy(() -> AdminRequests.query(java.util.Map.of("x", java.util.List.of(""))))
                .hasMessage("unknown query parameter 'x'; this endpoint takes none");
    }

    @Test
    void refusesOverlongFreeText() {
        PauseRequest p = new PauseRequest("x".repeat(1025), null, null, null, null, null);
        assertThatThrownBy(() -> AdminRequests.check(p)).hasMessage("'reason' is longer than 1024 characters");
    }

    @Test
    void boundsTtlAndWaitIdle() {
        assertThatThrownBy(() -> AdminRequests.ttl("9999999h")).hasMessage("'ttl': '9999999h' is too long: at most 8760h");
        assertThatThrownBy(() -> AdminRequests.ttl("9223372037s")).hasMessageContaining("too long");
        assertThatThrownBy(() -> AdminRequests.ttl("0s")).hasMessage("'ttl': '0s' must be more than 0");
        assertThatThrownBy(() -> AdminRequests.ttl("PT0S")).hasMessageStartingWith("'ttl': 'PT0S' is not a duration");
        assertThatThrownBy(() -> AdminRequests.waitIdle("2h", Duration.ZERO))
                .hasMessage("'waitIdle': '2h' is too long: at most 1h");
        assertThatThrownBy(() -> AdminRequests.waitIdle("-1s", Duration.ZERO)).hasMessageContaining("negative");
        assertThat(AdminRequests.waitIdle(null, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        assertThat(AdminRequests.waitIdle("1.5s", Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
        assertThat(AdminRequests.ttl(null)).isEqualTo(Optional.empty());
    }

    @Test
    void renewAndResumeMustNameALease() {
        assertThatThrownBy(() -> AdminRequests.check((RenewRequest) null)).hasMessageContaining("name the lease");
        assertThatThrownBy(() -> AdminRequests.check(new ResumeRequest(" ", false)))
                .hasMessageContaining("or force");
        assertThatThrownBy(() -> AdminRequests.check(new RenewRequest("a\nb", "1s")))
                .hasMessageStartingWith("'lease' must be one line");
    }

    /** Fuzz finding: a token of control bytes, escaped six characters each, made a message of 622. */
    @Test
    void aMessageQuotingControlBytesStaysShortOnceEscaped() {
        byte[] body = new byte[120];
        body[0] = 'U';
        body[1] = 'U';
        assertThatThrownBy(() -> AdminRequests.read(body, PauseRequest.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the body is not JSON (line 1, column ")
                .satisfies(e -> assertThat(e.getMessage().length()).as(e.getMessage()).isLessThan(200));
    }
}
