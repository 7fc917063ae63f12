package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --max-queued-bytes} counts what a held request really keeps, not its head's size on the
 * wire: a 15 KiB head is parsed into objects of its own, grows the decoder's line buffer to its
 * longest line, and comes with the bytes read from the socket along with it (its body's start).
 */
class HeldFootprintTest {
    private static final int HEADER = 15_000;

    private static String bigPost(String id, int body) {
        return "POST /upload HTTP/1.1\r\nHost: app.test\r\nX-Req-Id: " + id + "\r\nX-Big: " + "b".repeat(HEADER)
                + "\r\nContent-Length: " + body + "\r\n\r\n" + "x".repeat(body);
    }

    @Test
    void aHeldRequestCountsMoreThanItsHeadOnTheWire() throws Exception {
        try (PauseFixture fx = PauseFixture.start("max-header-size", "64KiB")) {
            fx.pause("{}");
            RawClient c = fx.client().send(bigPost("big", 32 * 1024));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().queueDepth() == 1);
            assertThat(fx.status().queuedBytes()).as("head parsed + line buffer + read buffer")
                    .isGreaterThanOrEqualTo(3L * HEADER);
            fx.resume(fx.status().lease().id());
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(fx.status().queuedBytes()).isZero();
        }
    }

    @Test
    void theByteBoundRefusesByWhatHeldRequestsKeep() throws Exception {
        // 200 KiB holds 13 such heads by their size on the wire, at most 5 by what they keep.
        try (PauseFixture fx = PauseFixture.start("max-header-size", "64KiB", "max-queued-bytes", "200KiB")) {
            fx.pause("{}");
            int held = 0;
            for (int i = 0; i < 14; i++) {
                RawClient c = fx.client();
                c.setReadTimeout(5_000);
                c.send(bigPost("r" + i, 0));
                int want = held + 1;
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> fx.gate().queueDepth() == want || fx.status().counters().rejected() > 0);
                if (fx.status().counters().rejected() > 0) {
                    assertThat(c.read().status()).isEqualTo(503);
                    break;
                }
                held++;
            }
            assertThat(held).isBetween(1, 5);
        }
    }
}
