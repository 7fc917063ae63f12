package io.pausectl.cli;

import io.pausectl.api.HeldRequest;
import io.pausectl.api.Json;
import io.pausectl.api.Maintenance;
import io.pausectl.api.Scope;
import io.pausectl.api.Status;
import io.pausectl.api.PauseState;
import io.pausectl.api.Lease;
import io.pausectl.api.Counters;
import io.pausectl.api.Limits;
import io.pausectl.cli.postgres.DatabaseWindow;
import io.pausectl.cli.postgres.LockWait;
import io.pausectl.cli.postgres.SessionInfo;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code -o json} prints every command's answer as databind's {@link Json#strict()} writes it,
 * character for character, though no databind is loaded to print it ({@link PauseCommand#json}; issue
 * 12 item 7): each command's answer record, with every part present and with every part null.
 */
class JsonOutputTest {
    private static final Instant T = Instant.parse("2026-11-25T05:00:00.123Z");
    private static final Scope SCOPE = new Scope(List.of("POST"), List.of("/orders"), List.of("app.example"));
    private static final Status STATUS = new Status(PauseState.PAUSED, 3, 600, 2, 1, 1200,
            new Lease("l-1", "pausectl/a@b:1", "add \"index\"", T, SCOPE), T, 5,
            new Counters(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), new Limits(30_000, 300_000, 10_000, 64 << 20),
            new Maintenance("m-1", "pausectl/a@b:1", "back soon", 60, T, SCOPE));

    static List<Object> answers() {
        List<Object> answers = new ArrayList<>();
        answers.add(new StatusCommand.Answer(T, List.of(new StatusCommand.TargetStatus("http://a:9901", STATUS, null, null),
                new StatusCommand.TargetStatus("http://b:9901", null, "http://b:9901: cannot connect", "UNREACHABLE"))));
        answers.add(new StatusCommand.Answer(null, null));
        answers.add(new StatusCommand.TargetStatus("http://a:9901", STATUS, null, null));
        answers.add(new PauseCommand.Paused(List.of(new PauseCommand.PausedTarget("http://a:9901", "l-1", "paused", T, 2),
                new PauseCommand.PausedTarget("http://b:9901", "l-2", "pausing", null, 0)),
                "pausectl --target http://a:9901 resume --lease l-1"));
        answers.add(new PauseCommand.Paused(null, null));
        answers.add(new ResumeCommand.Answer(List.of(new ResumeCommand.Resumed("http://a:9901", true, "draining", 4, null),
                new ResumeCommand.Resumed("http://b:9901", false, null, 0, "nothing was paused"))));
        answers.add(new ResumeCommand.Answer(null));
        answers.add(List.of(new MaintenanceCommand.Answer("http://a:9901", true, STATUS.maintenance(), null),
                new MaintenanceCommand.Answer("http://b:9901", false, null, "was off")));
        answers.add(List.of(new HeldCommand.Listed("http://a:9901", 2,
                        List.of(new HeldRequest(1, "GET", "/a?b=\u00e9", "app.example", "127.0.0.1:4242", 1500)), null),
                new HeldCommand.Listed("http://b:9901", 0, List.of(), "http://b:9901: token refused")));
        answers.add(new HeldRequest(1, "POST", "/orders", null, "[::1]:4242", 0));
        SessionInfo session = new SessionInfo(4242, "alice", "psql", "idle in transaction", 31_200, "UPDATE items SET x = 1");
        DatabaseWindow.Summary database = new DatabaseWindow.Summary("pausectl-migration", true,
                List.of(new LockWait(12, "AccessExclusiveLock", "items", 4200, session)), 1500, List.of(4242), true,
                List.of("pid 4242 (idle in transaction)"));
        answers.add(new WindowSummary(List.of("psql", "-f", "x.sql"), 0, 6400, false, List.of(),
                new WindowSummary.Totals(129, 129, 0, 0, 0, 129),
                List.of(new WindowSummary.TargetSummary("http://a:9901", "l-1", 6400, 129, 129, 0, 0, 0, 129, "running",
                        0, true, null, false, null)), database));
        answers.add(new WindowSummary(null, null, 0, true, Arrays.asList("http://a:9901", null), null, null,
                new DatabaseWindow.Summary(null, false, null, 0, null, false, null)));
        return answers;
    }

    @Test
    void everyAnswerIsPrintedAsDatabindPrintsIt() throws Exception {
        for (Object answer : answers()) {
            assertThat(PauseCommand.json(answer)).as("%s", answer).isEqualTo(Json.strict().writeValueAsString(answer));
        }
    }
}
