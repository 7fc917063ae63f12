package io.pausectl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pausectl.api.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RunCommandTest {
    private final CliHarness cli = new CliHarness();

    @TempDir
    Path dir;

    /** A command that waits until the test creates {@code go}, then touches {@code ran} and exits with {@code code}. */
    private List<String> waitForGo(int code) {
        return new WaitingCommand(dir).argv(code);
    }

    /** A command that touches {@code started}, then sleeps: once the file exists, a signal finds it running. */
    private List<String> sleepOnceStarted() {
        return List.of("sh", "-c", "touch \"$1\"; exec sleep 30", "sh", dir.resolve("started").toString());
    }

    private List<String> touchRan(int code) {
        return List.of("sh", "-c", "touch \"$1\"; exit " + code, "sh", dir.resolve("ran").toString());
    }

    private CompletableFuture<Integer> start(List<String> options, List<String> command) {
        List<String> args = new ArrayList<>(options);
        args.addAll(command);
        return CompletableFuture.supplyAsync(() -> cli.run(args.toArray(new String[0])));
    }

    private static int finish(CompletableFuture<Integer> run) throws Exception {
        return run.get(30, TimeUnit.SECONDS);
    }

    private void go() throws Exception {
        new WaitingCommand(dir).go();
    }

    @AfterEach
    void endCommands() throws Exception {
        new WaitingCommand(dir).close();
    }

    private boolean ran() {
        return Files.exists(dir.resolve("ran"));
    }

    @Test
    void runsTheCommandWhilePausedThenResumesAndKeepsItsExitCode() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        FakeTarget b = cli.target("http://b:2");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1,http://b:2"), waitForGo(7));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("running: sh -c"));
        assertThat(a.paused()).isTrue();
        assertThat(b.paused()).isTrue();
        a.hold(3);
        b.hold(2);
        go();
        assertThat(finish(run)).as(cli.err()).isEqualTo(7);
        assertThat(ran()).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(b.events()).containsExactly("pause", "resume");
        assertThat(a.lastSpec().ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(a.lastSpec().reason()).startsWith("pausectl run: sh -c");
        assertThat(cli.err()).contains("pausectl: paused http://a:1 (lease " + a.leaseIdOrLast(),
                "traffic was paused for", "held 5 requests (max depth 3); released 5, timed out 0",
                "http://a:1: paused", "held 3 (max depth 3), released 3", "the command exited with code 7");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void theSummaryWaitsUntilTheHeldRequestsAreReleased() throws Exception {
        FakeTarget a = cli.target("http://a:1").lagReleases(3);
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"), waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("running:"));
        a.hold(6);
        go();
        assertThat(finish(run)).isEqualTo(0);
        assertThat(cli.err()).contains("held 6 requests (max depth 6); released 6,").doesNotContain("still releasing");
    }

    @Test
    void theCommandNeedsNoDoubleDash() throws Exception {
        FakeTarget a = cli.target("http://127.0.0.1:9901");
        assertThat(cli.run("run", "sh", "-c", "exit 3", "-o", "json")).isEqualTo(3);
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void jsonSummaryGoesToStdoutAfterTheCommand() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "-o", "json", "--"),
                waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("running:"));
        a.hold(4);
        go();
        assertThat(finish(run)).isEqualTo(0);
        JsonNode json = Json.lenient().readTree(cli.out());
        assertThat(json.at("/exitCode").asInt()).isEqualTo(0);
        assertThat(json.at("/command/0").asText()).isEqualTo("sh");
        assertThat(json.at("/totals/held").asLong()).isEqualTo(4);
        assertThat(json.at("/totals/released").asLong()).isEqualTo(4);
        assertThat(json.at("/totals/maxDepth").asInt()).isEqualTo(4);
        assertThat(json.at("/stillPaused").size()).isZero();
        assertThat(json.at("/targets/0/target").asText()).isEqualTo("http://a:1");
        assertThat(json.at("/targets/0/resumed").asBoolean()).isTrue();
        assertThat(json.at("/targets/0/pausedMs").asLong()).isPositive();
    }

    @Test
    void aCommandNotFoundPausesNothingAndExits127() {
        FakeTarget a = cli.target("http://a:1");
        assertThat(cli.run("run", "--target", "http://a:1", "--", "no-such-command-pausectl")).isEqualTo(127);
        assertThat(a.events()).isEmpty();
        assertThat(cli.err()).contains("cannot run 'no-such-command-pausectl': command not found (nothing was paused)");
    }

    @Test
    void aFileThatIsNotExecutableExits126() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        Path script = Files.writeString(dir.resolve("migrate.sh"), "echo hi\n");
        assertThat(cli.run("run", "--target", "http://a:1", "--", script.toString())).isEqualTo(126);
        assertThat(a.events()).isEmpty();
        assertThat(cli.err()).contains("permission denied");
    }

    @Test
    void aCommandThatFailsToStartAfterThePauseIsResumedAndExits127() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        // Executable, so it passes the check before pausing; its interpreter is missing, so exec fails.
        Path script = Files.writeString(dir.resolve("migrate"), "#!/nonexistent/interpreter\n");
        assertThat(script.toFile().setExecutable(true)).isTrue();
        assertThat(cli.run("run", "--target", "http://a:1", "--", script.toString())).isEqualTo(127);
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(cli.err()).contains("could not start '" + script + "'", "; resuming", "traffic was paused for");
    }

    @Test
    void anUnreachableTargetMeansTheCommandNeverRunsAndTheOthersResume() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        cli.target("http://down:2").unreachable(true);
        FakeTarget c = cli.target("http://c:3");
        int code = cli.run(concat(List.of("run", "--target", "http://a:1,http://down:2,http://c:3", "--"),
                touchRan(0)));
        assertThat(code).isEqualTo(3);
        assertThat(ran()).isFalse();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(c.events()).containsExactly("pause", "resume");
        assertThat(cli.err()).contains("could not pause every target; the command was NOT run",
                "http://down:2: cannot connect");
    }

    @Test
    void aPauseWhoseAnswerWasLostIsFoundAndUndone() throws Exception {
        FakeTarget a = cli.target("http://a:1").loseNextPauseAnswer();
        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--"), touchRan(0)))).isEqualTo(3);
        assertThat(ran()).isFalse();
        assertThat(a.paused()).isFalse();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(cli.err()).contains("http://a:1: no answer to POST /v1/pause within 10s (the pause it took anyway"
                + " is undone)", "resumed again: http://a:1");
    }

    @Test
    void alreadyPausedIsExit4AndTheCommandNeverRuns() throws Exception {
        cli.target("http://a:1").pauseByOther("alice");
        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--"), touchRan(0)))).isEqualTo(4);
        assertThat(ran()).isFalse();
        assertThat(cli.err()).contains("already paused by another lease");
    }

    @Test
    void inFlightWorkAfterWaitIdleMeansNotRunUnlessAllowed() throws Exception {
        FakeTarget a = cli.target("http://a:1").inFlight(1);
        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--wait-idle", "2s", "--"), touchRan(0))))
                .isEqualTo(3);
        assertThat(ran()).isFalse();
        assertThat(a.paused()).isFalse();
        assertThat(a.lastSpec().waitIdle()).isEqualTo(Duration.ofSeconds(2));

        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--allow-inflight", "--"), touchRan(0))))
                .isEqualTo(0);
        assertThat(ran()).isTrue();
        assertThat(a.paused()).isFalse();
    }

    @Test
    void leasesAreRenewedWhileTheCommandRuns() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--ttl", "1s", "--"),
                waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.events().stream().filter("renew"::equals).count() >= 2);
        assertThat(a.paused()).isTrue();
        go();
        assertThat(finish(run)).isEqualTo(0);
        assertThat(a.events()).first().isEqualTo("pause");
        assertThat(a.events()).last().isEqualTo("resume");
    }

    @Test
    void maxPauseResumesTrafficWhileTheCommandStillRunsAndSaysSo() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--max-pause", "300ms", "--"),
                waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.events().contains("resume"));
        assertThat(run).isNotDone();
        await().atMost(Duration.ofSeconds(5)).until(() -> cli.err().contains("STILL RUNNING"));
        assertThat(cli.err()).contains("!!! --max-pause 300ms reached: traffic RESUMED while the command is STILL"
                + " RUNNING (pid ");
        go();
        assertThat(finish(run)).isEqualTo(0);
        assertThat(ran()).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    @Test
    void aResumeThatKeepsFailingIsExit5NamingTheTarget() throws Exception {
        FakeTarget a = cli.target("http://a:1").failResumes(1000);
        FakeTarget b = cli.target("http://b:2");
        int code = cli.run(concat(List.of("run", "--target", "http://a:1,http://b:2", "--ttl", "1s", "--"),
                touchRan(0)));
        assertThat(code).isEqualTo(5);
        assertThat(ran()).isTrue();
        assertThat(b.paused()).isFalse();
        assertThat(cli.err()).contains("!!! COULD NOT RESUME: these targets are STILL PAUSED !!!",
                "http://a:1: cannot connect", "resume by hand: pausectl --target http://a:1 resume --force",
                "(the command exited with code 0)").doesNotContain("http://b:2: cannot");
        assertThat(a.events()).filteredOn("resume-failed"::equals).hasSizeGreaterThan(1);
    }

    @Test
    void aResumeThatFailsOnceIsRetried() throws Exception {
        FakeTarget a = cli.target("http://a:1").failResumes(1);
        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--"), touchRan(9)))).isEqualTo(9);
        assertThat(a.events()).containsExactly("pause", "resume-failed", "resume");
        assertThat(cli.err()).contains("could not resume yet, retrying");
    }

    @Test
    void aLeaseLostMidRunIsReportedAndNotAnError() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--ttl", "1s", "--"),
                waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("running:"));
        a.expire();
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("the lease is gone"));
        go();
        assertThat(finish(run)).isEqualTo(0);
        assertThat(cli.err()).contains("WARNING: http://a:1: the lease is gone (expired, or resumed by force):"
                + " traffic on it is NOT paused any more");
    }

    /**
     * Review (session 7): a lease ended by someone else mid-run (here: it expires) was summed up as paused for the
     * whole command. Now the summary counts until the lease was found gone, and says when it was last seen held.
     */
    @Test
    void aLeaseLostMidRunCountsOnlyTheTimeItHeld() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        long startedAt = System.nanoTime();
        CompletableFuture<Integer> run = start(List.of("-o", "json", "run", "--target", "http://a:1", "--ttl", "1s",
                "--"), waitForGo(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("running:"));
        a.expire();
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("the lease is gone"));
        long goneByNowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
        // The command goes on well after the lease ended: the old summary counted this too.
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        go();
        assertThat(finish(run)).isEqualTo(0);
        JsonNode summary = Json.lenient().readTree(cli.out());
        assertThat(summary.get("pausedMs").asLong()).as(cli.err()).isLessThanOrEqualTo(goneByNowMs);
        assertThat(summary.get("targets").get(0).get("leaseLost").asBoolean()).isTrue();
        assertThat(cli.err()).contains("http://a:1: the lease ended before pausectl resumed it (expired, or resumed"
                + " by force): last seen held at ");
    }

    /**
     * Review (session 7): a plain status line could come after the summary: the feedback's poll was still waiting
     * for a target when the command exited. Once closed, the feedback writes nothing more.
     */
    @Test
    void noFeedbackLineComesAfterTheSummary() throws Exception {
        FakeTarget a = new FakeTarget("http://a:1");
        java.util.concurrent.CountDownLatch inStatus = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (Fleet fleet = new Fleet(List.of(a))) {
            StringWriter written = new StringWriter();
            Messages messages = new Messages(new PrintWriter(written), TerminalSize.UNKNOWN);
            PauseWindow window = PauseWindow.open(fleet, new io.pausectl.cli.target.PauseSpec("r", "h",
                    Duration.ofSeconds(30), Duration.ofSeconds(1), io.pausectl.api.Scope.ALL), false, messages, "x");
            a.onStatus(() -> {
                inStatus.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // Started long enough ago that a plain line is due.
            PauseFeedback feedback = new PauseFeedback(window, messages, System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
            CompletableFuture<Void> poll = CompletableFuture.runAsync(feedback);
            assertThat(inStatus.await(10, TimeUnit.SECONDS)).isTrue();
            feedback.close();
            messages.say("traffic was paused for 10.0s");
            release.countDown();
            poll.get(10, TimeUnit.SECONDS);
            assertThat(written.toString()).isEqualTo("pausectl: traffic was paused for 10.0s" + System.lineSeparator());
        }
    }

    @Test
    void sigtermIsForwardedToTheCommandThenTrafficResumes() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"), sleepOnceStarted());
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("started")));
        cli.signals.raise("TERM");
        assertThat(finish(run)).isEqualTo(128 + 15);
        assertThat(a.paused()).isFalse();
        assertThat(cli.err()).contains("SIGTERM: sending SIGTERM to the command (pid ", "traffic was paused for");
    }

    @Test
    void sigintReachesACommandThatDidNotGetItFromATerminal() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        // The command says it started, so the signal cannot come before it (that case is tested below).
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"), sleepOnceStarted());
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("started")));
        cli.signals.raise("INT");
        assertThat(finish(run)).isEqualTo(128 + 2);
        assertThat(a.paused()).isFalse();
        assertThat(cli.err()).contains("SIGINT: waiting for the command to stop", "the command still runs: sending it SIGINT (pid ");
    }

    /**
     * A migration as README's Flyway and Liquibase recipes run it: a shell that runs the tool. The shell
     * records its PID in {@code outer.pid}, runs {@code grandchild.sh} (which sets {@code trap}, records its
     * PID in {@code grandchild.pid}, touches {@code started}, waits until {@code go} exists, then touches
     * {@code grandchild.done}), then echoes. Both PIDs also go to {@code command.pid}, so that {@link
     * WaitingCommand#close} ends them if a test fails; the loop ends too once the directory is gone.
     */
    private List<String> shellRunning(String trap, boolean background) throws Exception {
        Files.writeString(dir.resolve("grandchild.sh"), trap + "\n"
                + "echo $$ >> \"$1/command.pid\"; echo $$ > \"$1/grandchild.pid\"; touch \"$1/started\"\n"
                + "while [ -d \"$1\" ] && [ ! -e \"$1/go\" ]; do sleep 0.02; done\n"
                + "[ -d \"$1\" ] && touch \"$1/grandchild.done\"\n");
        String run = "sh \"$1/grandchild.sh\" \"$1\" 2>/dev/null"; // dash says "Terminated" of its sleep
        return List.of("sh", "-c", "echo $$ >> \"$1/command.pid\"; echo $$ > \"$1/outer.pid\"; "
                + (background
                ? run + " & while [ ! -e \"$1/started\" ]; do sleep 0.02; done; sleep 2; exit 0"
                : run + "; echo after"), "sh", dir.toString());
    }

    private long pid(String pidFile) throws Exception {
        return Long.parseLong(Files.readString(dir.resolve(pidFile)).strip());
    }

    private Optional<ProcessHandle> process(String pidFile) throws Exception {
        return ProcessHandle.of(pid(pidFile));
    }

    /** Whether the process has ended (a zombie has: it only waits to be reaped by PID 1). */
    private boolean ended(String pidFile) throws Exception {
        Optional<ProcessHandle> h = process(pidFile);
        if (h.isEmpty() || !h.get().isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.get().pid()), "stat"),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            return stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z");
        } catch (java.io.IOException e) {
            return !h.get().isAlive();
        }
    }

    /**
     * The review's fault: on SIGTERM only the shell got the signal; it died, traffic resumed, and the tool it
     * ran went on migrating as an orphan. Now the tool gets SIGTERM too, and the pause lasts until it ends.
     */
    @Test
    void sigtermReachesWhatTheCommandStartedAndThePauseOutlivesIt() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--kill-after", "60s", "--"),
                shellRunning("trap 'touch \"$1/gotterm\"' TERM", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("started")));
        cli.signals.raise("TERM");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("gotterm")) && ended("outer.pid"));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.err().contains("processes it started still run"));
        assertThat(run).isNotDone();
        assertThat(a.paused()).as(cli.err()).isTrue();
        assertThat(cli.err()).contains("SIGTERM: sending SIGTERM to the command (pid " + pid("outer.pid")
                        + ", and the processes it started: pid " + pid("grandchild.pid"),
                "the command's own process has ended (code 143), but processes it started still run: pid "
                        + pid("grandchild.pid"));
        go();
        assertThat(finish(run)).isEqualTo(128 + 15);
        assertThat(Files.exists(dir.resolve("grandchild.done"))).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    /** A process of the command that ignores SIGTERM is killed after --kill-after, and only then is traffic resumed. */
    @Test
    void whatTheCommandStartedIsKilledAfterKillAfterBeforeTrafficResumes() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Boolean> aliveAtResume = new java.util.concurrent.atomic.AtomicReference<>();
        FakeTarget a = cli.target("http://a:1").onResume(() -> {
            try {
                aliveAtResume.compareAndSet(null, !ended("grandchild.pid"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--kill-after", "500ms", "--"),
                shellRunning("trap '' TERM", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("started")));
        cli.signals.raise("TERM");
        assertThat(finish(run)).isEqualTo(128 + 15);
        assertThat(aliveAtResume.get()).as(cli.err()).isFalse();
        assertThat(ended("grandchild.pid")).isTrue();
        assertThat(Files.exists(dir.resolve("grandchild.done"))).isFalse();
        assertThat(cli.err()).contains("the command did not stop within --kill-after 500ms: SIGKILL (processes it"
                + " started: pid " + pid("grandchild.pid"));
    }

    /** SIGINT that did not come from a terminal reaches the processes the command started, not only the shell. */
    @Test
    void sigintReachesWhatTheCommandStarted() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"),
                shellRunning("trap 'touch \"$1/gotint\"; exit 0' INT", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("started")));
        cli.signals.raise("INT");
        finish(run);
        assertThat(Files.exists(dir.resolve("gotint"))).as(cli.err()).isTrue();
        assertThat(ended("grandchild.pid")).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    /**
     * A command that exits while a process it started still runs (a job left in the background) keeps traffic
     * paused until that process ends. The command lives 2 s after it starts the job (the orphan tests below
     * have it exit at once).
     */
    @Test
    void aProcessLeftRunningByTheCommandKeepsThePauseUntilItEnds() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"),
                shellRunning("", true));
        await().atMost(Duration.ofSeconds(20)).until(() -> cli.err().contains("processes it started still run"));
        assertThat(ended("outer.pid")).isTrue();
        assertThat(run).isNotDone();
        assertThat(a.paused()).isTrue();
        assertThat(cli.err()).contains("the command's own process has ended (code 0), but processes it started"
                + " still run: pid " + pid("grandchild.pid") + " (", "; traffic stays paused until they end"
                + " (--max-pause 1m at the latest)");
        go();
        assertThat(finish(run)).isEqualTo(0);
        assertThat(Files.exists(dir.resolve("grandchild.done"))).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    /**
     * A job for the orphan tests: {@code job.sh DIR} sets {@code trap}, records its PID in {@code job.pid} (and
     * {@code command.pid}, for {@link WaitingCommand#close}), touches {@code started}, waits until {@code go}
     * exists, then touches {@code job.done}. Returns how a shell starts it.
     */
    private String job(String trap) throws Exception {
        Files.writeString(dir.resolve("job.sh"), trap + "\n"
                + "echo $$ >> \"$1/command.pid\"; echo $$ > \"$1/job.pid\"; touch \"$1/started\"\n"
                + "while [ -d \"$1\" ] && [ ! -e \"$1/go\" ]; do sleep 0.02; done\n"
                + "[ -d \"$1\" ] && touch \"$1/job.done\"\n");
        return "sh \"$1/job.sh\" \"$1\" 2>/dev/null";
    }

    private static final String UNTIL_STARTED = "while [ ! -e \"$1/started\" ]; do sleep 0.02; done";

    private List<String> shell(String script) {
        return List.of("sh", "-c", script, "sh", dir.toString());
    }

    /** Whether {@code pid} is a zombie child of this JVM (an orphan pausectl adopted and did not reap). */
    private static boolean ourZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 1).strip().split(" ");
            return fields[0].equals("Z") && Long.parseLong(fields[1]) == ProcessHandle.current().pid();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The command leaves a job in the background and the job keeps the pause until it ends, then traffic resumes
     * and the job, an orphan pausectl adopted, is reaped (its zombie does not count as running).
     */
    private void theJobKeepsThePause(List<String> command) throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"), command);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dir.resolve("job.pid")));
        await().atMost(Duration.ofSeconds(20)).until(() -> cli.err().contains("processes it started still run"));
        assertThat(run).isNotDone();
        assertThat(a.paused()).as(cli.err()).isTrue();
        assertThat(cli.err()).contains("the command's own process has ended (code 0), but processes it started"
                + " still run: pid " + pid("job.pid") + " (");
        go();
        assertThat(finish(run)).as(cli.err()).isEqualTo(0);
        assertThat(Files.exists(dir.resolve("job.done"))).isTrue();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(ourZombie(pid("job.pid"))).isFalse();
    }

    /**
     * The review's case (session 8): {@code sh -c 'job & exit 0'}. The shell exits at once, the job is orphaned
     * before any snapshot sees it; pausectl used to resume and exit at once while the job still ran.
     */
    @Test
    void aJobLeftInTheBackgroundByACommandThatExitsAtOnceKeepsThePause() throws Exception {
        theJobKeepsThePause(shell(job("") + " & exit 0"));
    }

    /** The same, the job started 1.2 s into the command: between two snapshots, as the review ran it. */
    @Test
    void aJobLeftInTheBackgroundLateKeepsThePause() throws Exception {
        theJobKeepsThePause(shell("sleep 1.2; " + job("") + " & exit 0"));
    }

    /**
     * A double fork while the command runs on: the subshell that started the job exits at once, so the job is
     * orphaned while the command still runs, and it keeps the pause after the command ends.
     */
    @Test
    void aJobWhoseParentExitedWhileTheCommandRanKeepsThePause() throws Exception {
        theJobKeepsThePause(shell("( " + job("") + " & ); " + UNTIL_STARTED + "; exit 0"));
    }

    /**
     * A daemon the command starts in a session of its own ({@code setsid}), with a worker that is not a session
     * leader, seen by snapshots for a second: it left the command on purpose and is not waited for.
     */
    @Test
    void aDaemonInASessionOfItsOwnIsNotWaitedFor() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--"),
                shell("setsid sh -c '" + job("").replace("\"", "") + "; :' sh \"$1\" & " + UNTIL_STARTED
                        + "; sleep 1; exit 0"));
        assertThat(finish(run)).as(cli.err()).isEqualTo(0);
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(ended("job.pid")).as("the daemon's worker still runs").isFalse();
        assertThat(cli.err()).doesNotContain("processes it started still run");
    }

    /**
     * SIGTERM to pausectl reaches a job orphaned while the command ran (a double fork), and traffic resumes only
     * once that job has ended; it used to reach only the command's own process, and the job ran on.
     */
    @Test
    void sigtermReachesAnOrphanedJob() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Boolean> aliveAtResume = new java.util.concurrent.atomic.AtomicReference<>();
        FakeTarget a = cli.target("http://a:1").onResume(() -> {
            try {
                aliveAtResume.compareAndSet(null, !ended("job.pid"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<Integer> run = start(List.of("run", "--target", "http://a:1", "--kill-after", "60s", "--"),
                shell("( " + job("trap 'touch \"$1/gotterm\"; exit 0' TERM") + " & ); " + UNTIL_STARTED
                        + "; exec sleep 30"));
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.signals.installed() && Files.exists(dir.resolve("job.pid")));
        cli.signals.raise("TERM");
        assertThat(finish(run)).as(cli.err()).isEqualTo(128 + 15);
        assertThat(Files.exists(dir.resolve("gotterm"))).as(cli.err()).isTrue();
        assertThat(aliveAtResume.get()).isFalse();
        assertThat(a.events()).containsExactly("pause", "resume");
    }

    @Test
    void aSignalBeforeTheCommandStartsUndoesThePauseAndNeverRunsIt() throws Exception {
        FakeTarget a = cli.target("http://a:1");
        a.onPause(() -> cli.signals.raise("INT"));
        assertThat(cli.run(concat(List.of("run", "--target", "http://a:1", "--"), touchRan(0)))).isEqualTo(3);
        assertThat(ran()).isFalse();
        assertThat(a.events()).containsExactly("pause", "resume");
        assertThat(cli.err()).contains("interrupted before the command started: traffic resumed, the command was NOT run");
    }

    @Test
    void onATerminalTheStatusLineKeepsTheLastRowAndGivesItBack() {
        StringWriter written = new StringWriter();
        Messages messages = new Messages(new PrintWriter(written), new TerminalSize(24, 30));
        messages.live("not yet");
        assertThat(written.toString()).isEmpty();
        messages.startLive();
        messages.live("pausectl: paused 1.2s | held 3 | oldest 1.1s");
        messages.say("WARNING: something");
        messages.endLive();
        messages.live("too late");
        assertThat(written.toString()).isEqualTo("\n\0337\033[1;23r\0338\033[1A"
                + "\0337\033[24;1H\033[2Kpausectl: paused 1.2s | held \0338"
                + "pausectl: WARNING: something" + System.lineSeparator()
                + "\0337\033[r\0338\0337\033[24;1H\033[2K\0338");
    }

    @Test
    void plainFeedbackLineSumsTheTargets() {
        io.pausectl.api.Status s = new io.pausectl.api.Status(io.pausectl.api.PauseState.PAUSED, 3, 900, 1, 0, 2500,
                null, null, 5, null);
        io.pausectl.api.Status t = new io.pausectl.api.Status(io.pausectl.api.PauseState.PAUSED, 4, 900, 2, 0, 700,
                null, null, 4, null);
        String line = PauseFeedback.line(List.of(new Fleet.Result<>(null, s, null), new Fleet.Result<>(null, t, null),
                new Fleet.Result<>(null, null, new io.pausectl.cli.target.TargetException(io.pausectl.cli.target.TargetException.Kind.UNREACHABLE, "x", null))), 12_345);
        assertThat(line).isEqualTo("paused 12.3s | held 7 | oldest 2.5s | in flight 3 | max depth 5 | 3 targets"
                + " | 1 UNREACHABLE");
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(new String[0]);
    }
}
