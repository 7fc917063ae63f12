package io.pausectl.proxy.pause;

import io.pausectl.api.Status;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pausectl.proxy.pause.PauseFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A held request whose client half-closes (review, session 7): it is dropped and never forwarded,
 * as for a disconnect, since an end of stream cannot tell the two apart; but a half-closed client
 * still reads (RFC 9112 §9.6), so it is told so: 503 with {@code Retry-After} and
 * {@code Connection: close}, not a bare end of stream.
 */
class HeldHalfCloseTest {

    @Test
    void aHeldRequestWhoseClientHalfClosesIsAnswered503AndNeverForwarded() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            Status paused = fx.pause("{\"reason\":\"r\",\"holder\":\"it\",\"ttl\":\"1m\"}");
            RawClient c = fx.client();
            c.send(request("POST", "/orders", "half-closed"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().queueDepth() == 1);
            c.shutdownOutput();
            Response r = c.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isNotNull();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.bodyText()).contains("not forwarded, so it is safe to retry");
            assertThat(c.closedByServer()).isTrue();
            assertThat(fx.gate().queueDepth()).isZero();
            assertThat(fx.status().counters().clientGone()).isEqualTo(1);
            fx.resume(paused.lease().id());
            // Something after it goes through: the dropped one never did.
            Response after = fx.client().send(request("GET", "/after", "after")).read();
            assertThat(after.status()).isEqualTo(200);
            assertThat(fx.upstream.count("half-closed")).isZero();
            assertThat(fx.status().counters().released()).isZero();
        }
    }
}
