package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ResumeCommandTest {
    private final CliHarness cli = new CliHarness();

    @Test
    void resumesTheLeasePrintedByPause() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("pause", "--target", "http://a:1")).isEqualTo(0);
        a.hold(3);
        assertThat(cli.run("resume", "--target", "http://a:1", "--lease", a.leaseId())).isEqualTo(0);
        assertThat(a.paused()).isFalse();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(cli.out()).contains("http://a:1: resumed");
    }

    @Test
    void resumesAFleetEachWithItsOwnLease() {
        FakeTarget a = cli.target("http://a:1");
        FakeTarget b = cli.target("http://b:2");
        assertThat(cli.run("pause", "--target", "http://a:1,http://b:2")).isEqualTo(0);
        assertThat(cli.run("resume", "--target", "http://a:1,http://b:2", "--lease", a.leaseId(),
                "--lease", b.leaseId(), "-o", "json")).isEqualTo(0);
        assertThat(a.paused()).isFalse();
        assertThat(b.paused()).isFalse();
    }

    @Test
    void forceEndsSomeoneElsesPause() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        a.pauseByOther("alice");
        assertThat(cli.run("resume", "--target", "http://a:1", "--force", "-o", "json")).isEqualTo(0);
        assertThat(a.paused()).isFalse();
        assertThat(a.events()).containsExactly("resume-force");
        JsonNode json = Json.lenient().readTree(cli.out());
        assertThat(json.at("/targets/0/resumed").asBoolean()).isTrue();
    }

    @Test
    void aGoneLeaseOnATargetNotPausedIsFine() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("resume", "--target", "http://a:1", "--lease", "expired-1")).isEqualTo(0);
        assertThat(cli.out()).contains("lease expired-1 had already ended; not paused");
    }

    @Test
    void aPauseHeldByAnotherLeaseIsNotResumedAndIsExit5() {
        FakeTarget a = cli.target("http://a:1");
        String other = a.pauseByOther("alice");
        assertThat(cli.run("resume", "--target", "http://a:1", "--lease", "mine-1")).isEqualTo(5);
        assertThat(a.leaseId()).isEqualTo(other);
        assertThat(cli.err()).contains("COULD NOT RESUME", "http://a:1: paused by another lease, " + other,
                "holder alice", "resume --force");
    }

    @Test
    void unreachableTargetIsExit5Naming() {
        cli.target("http://down:1").unreachable(true);
        FakeTarget b = cli.target("http://b:2");
        b.pauseByOther("x");
        assertThat(cli.run("resume", "--target", "http://down:1,http://b:2", "--force")).isEqualTo(5);
        assertThat(b.paused()).isFalse();
        assertThat(cli.err()).contains("http://down:1: cannot connect").doesNotContain("b:2");
    }

    @Test
    void needsExactlyOneOfLeaseOrForce() {
        assertThat(cli.run("resume")).isEqualTo(2);
        assertThat(cli.err()).contains("Missing required argument", "--lease=ID", "--force");
        assertThat(cli.run("resume", "--lease", "x", "--force")).isEqualTo(2);
        assertThat(cli.err()).contains("mutually exclusive");
    }
}
