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

    /** A browser's GET: a dozen fields, 640 bytes on the wire. */
    private static String ordinaryGet(String id) {
        return "GET /catalog/items?page=2&sort=price HTTP/1.1\r\nHost: shop.example.test\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
                + "Referer: https://shop.example.test/catalog/items?page=1\r\n"
                + "Cookie: session=4f9c2a7e1b8d4c6a9e3f5b7d2c1a8e6f; theme=dark\r\n"
                + "Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n"
                + "Sec-Fetch-Site: same-origin\r\nX-Request-Id: " + id + "\r\n\r\n";
    }

    /**
     * With the default bounds (10,000 held, 64 MiB) the count bound is the one ordinary requests
     * meet: one counts at most 64 MiB / 10,000. It counted 7.9 KiB (a connection at 4 KiB and 160
     * bytes a field, Netty's hash-table headers), so the byte bound refused such requests from the
     * 8,300th held on, with about 4.5 KiB each really kept.
     */
    @Test
    void anOrdinaryRequestCountsWhatTheDefaultBoundsAllowForTenThousand() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            fx.pause("{}");
            RawClient c = fx.client().send(ordinaryGet("ordinary-1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().queueDepth() == 1);
            assertThat(fx.status().queuedBytes()).as("counted for one held ordinary GET")
                    .isGreaterThan(4096L).isLessThanOrEqualTo((64L << 20) / 10_000);
            fx.resume(fx.status().lease().id());
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void theByteBoundRefusesByWhatHeldRequestsKeep() throws Exception {
        // 200 KiB holds 13 such heads by their size on the wire, at most 6 by what they keep (its
        // field's value as a String, the decoder's line buffer grown to it, the connection: 34 KiB).
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
            assertThat(held).isBetween(1, 6);
        }
    }
}
