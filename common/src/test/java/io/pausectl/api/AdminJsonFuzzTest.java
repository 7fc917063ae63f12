package io.pausectl.api;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pausectl.common.Durations;
import io.pausectl.common.Printable;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of what the admin API reads before it acts: the request
 * bodies ({@link AdminRequests}) and the duration grammar ({@link Durations}). Seeded with the
 * inputs of issue 10 (in {@code AdminJsonFuzzTestInputs/}). Each input must be either refused with
 * an {@link IllegalArgumentException} whose message is one short line in the caller's terms (no
 * parser text, no lone surrogate), or accepted as an object with every value inside its documented
 * range and no control character or lone surrogate in any text.
 *
 * <p>{@code mvn verify} fuzzes it for {@code fuzz.duration} in the parent pom's fuzz execution, which
 * keeps libFuzzer's output (with the number of executions) in {@code target/fuzz/AdminJsonFuzzTest.log}
 * and prints it only when the run fails; a longer run is in the README.
 */
class AdminJsonFuzzTest {
    private static final AtomicLong executions = new AtomicLong();
    /** The input being tried, as text (both readings), for what a message may quote from it. */
    private static final ThreadLocal<String> input = ThreadLocal.withInitial(String::new);

    @FuzzTest(maxDuration = "10s")
    void adminBodiesAndDurations(FuzzedDataProvider data) {
        executions.incrementAndGet();
        byte[] body = data.consumeRemainingAsBytes();
        // Both readings, and the UTF-8 one escaped as a message quotes it: a tab before "oken '" is quoted
        // as a backslash, then "token '" (a false finding of the fuzzer's, 12:08 and 12:14 UTC, session 5).
        String utf8 = new String(body, StandardCharsets.UTF_8);
        input.set(new String(body, StandardCharsets.ISO_8859_1) + utf8 + Printable.escape(utf8));
        pause(body);
        renew(body);
        resume(body);
        maintenanceAndCancel(body);
        duration(new String(body, StandardCharsets.UTF_8));
    }

    private static void pause(byte[] body) {
        PauseRequest p;
        Duration ttl;
        Duration waitIdle;
        try {
            p = AdminRequests.check(AdminRequests.read(body, PauseRequest.class));
            if (p == null) {
                return;
            }
            ttl = AdminRequests.ttl(p.ttl()).orElse(AdminRequests.MIN_TTL);
            waitIdle = AdminRequests.waitIdle(p.waitIdle(), Duration.ZERO);
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
            return;
        }
        assertThat(ttl).isBetween(AdminRequests.MIN_TTL, AdminRequests.MAX_TTL);
        assertThat(waitIdle).isBetween(Duration.ZERO, AdminRequests.MAX_WAIT_IDLE);
        for (String text : new String[] {p.reason(), p.holder(), p.lease()}) {
            printable(text);
        }
        if (p.scope() != null) {
            p.scope().methods().forEach(AdminJsonFuzzTest::printable);
            p.scope().pathPrefixes().forEach(AdminJsonFuzzTest::printable);
            p.scope().hosts().forEach(AdminJsonFuzzTest::printable);
        }
    }

    private static void renew(byte[] body) {
        try {
            RenewRequest r = AdminRequests.check(AdminRequests.read(body, RenewRequest.class));
            printable(r.lease());
            AdminRequests.ttl(r.ttl()).ifPresent(t -> assertThat(t).isBetween(AdminRequests.MIN_TTL,
                    AdminRequests.MAX_TTL));
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
        }
    }

    private static void resume(byte[] body) {
        try {
            ResumeRequest r = AdminRequests.check(AdminRequests.read(body, ResumeRequest.class));
            printable(r.lease());
            assertThat(r.force() == Boolean.TRUE || r.lease() != null).isTrue();
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
        }
    }

    /** The other bodies: refused in one line, or read as an object (never {@code null} as {@code {}}). */
    private static void maintenanceAndCancel(byte[] body) {
        try {
            MaintenanceRequest m = AdminRequests.check(AdminRequests.read(body, MaintenanceRequest.class));
            for (String text : new String[] {m.message(), m.holder(), m.lease()}) {
                printable(text);
            }
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
        }
        try {
            assertThat(AdminRequests.check(AdminRequests.read(body, CancelRequest.class))).isPositive();
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
        }
    }

    private static void duration(String text) {
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException refused) {
            oneLine(refused);
            return;
        }
        assertThat(d).isBetween(Duration.ZERO, Durations.MAX);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    private static void printable(String text) {
        if (text != null) {
            assertThat(Printable.hasControl(text)).as(text).isFalse();
            assertThat(Printable.hasLoneSurrogate(text)).as(Printable.escape(text)).isFalse();
            assertThat(text.length()).isLessThanOrEqualTo(AdminRequests.MAX_TEXT);
        }
    }

    private static void oneLine(IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank();
        assertThat(Printable.hasControl(e.getMessage())).as(e.getMessage()).isFalse();
        assertThat(e.getMessage().length()).as(e.getMessage()).isLessThan(600);
        assertThat(Printable.hasLoneSurrogate(e.getMessage())).as(Printable.escape(e.getMessage())).isFalse();
        // In the caller's terms: never the parser's own words (unless the message quotes them from the input).
        for (String word : new String[] {"Unrecognized", "was expecting", "Unexpected", "Cannot ", "JSON String",
                "token '", "com.fasterxml", "java."}) {
            if (!input.get().contains(word)) {
                assertThat(e.getMessage()).doesNotContain(word);
            }
        }
    }

    @AfterAll
    static void ran() {
        assertThat(executions).as("inputs tried: the seeds at least").hasPositiveValue();
    }
}
