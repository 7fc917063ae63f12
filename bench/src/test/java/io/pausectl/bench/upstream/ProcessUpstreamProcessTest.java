package io.pausectl.bench.upstream;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The killable upstream of {@code pause-bench window --kill-upstream-mid-drain}: a real process that
 * a SIGKILL ends (its port refuses connections), started again on the same port, and whose ids,
 * including those the killed process saw, all reach the ledger.
 */
class ProcessUpstreamProcessTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private int get(ProcessUpstream upstream, String id) throws Exception {
        return http.send(HttpRequest.newBuilder(upstream.uri().resolve("/x")).header(RequestIds.HEADER, id)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aKilledUpstreamRefusesUntilRestartedOnItsPortAndNoIdItSawIsLost() throws Exception {
        try (ProcessUpstream upstream = ProcessUpstream.start(null)) {
            IdLedger ledger = upstream.openLedger("t", 4);
            long first = upstream.pid();
            assertThat(get(upstream, RequestIds.format("t", 0))).isEqualTo(200);
            assertThat(get(upstream, RequestIds.format("t", 1))).isEqualTo(200);
            upstream.kill();
            assertThat(ProcessHandle.of(first)).isEmpty();
            assertThat(ledger.timesSeen(0)).isEqualTo(1);
            assertThat(ledger.timesSeen(1)).isEqualTo(1);
            assertThatThrownBy(() -> get(upstream, RequestIds.format("t", 2))).isInstanceOf(ConnectException.class);
            upstream.restart();
            assertThat(upstream.pid()).isNotEqualTo(first);
            assertThat(get(upstream, RequestIds.format("t", 3))).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> ledger.timesSeen(3) == 1);
            assertThat(ledger.timesSeen(2)).isZero();
            assertThat(upstream.foreignRequests()).isZero();
        }
    }
}
