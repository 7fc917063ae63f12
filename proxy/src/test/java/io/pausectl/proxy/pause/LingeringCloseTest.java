package io.pausectl.proxy.pause;

import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the proxy answers and closes with request bytes unread, the client gets the answer, never a
 * reset: a held POST with a 64 KiB body that times out or meets a shutdown reads its 503, and a
 * refused request with a body reads its 400.
 */
class LingeringCloseTest {
    private static final int BODY = 64 * 1024;

    private static String post(String path, String host, String id) {
        return "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nX-Req-Id: " + id + "\r\nContent-Length: " + BODY
                + "\r\n\r\n";
    }

    private static void sendWithBody(RawClient c, String head) throws Exception {
        c.send(head);
        c.send(new byte[BODY]);
    }

    private static void readsAnswerThenEndOfStream(RawClient c, int status) throws Exception {
        Response r = c.read();
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.header("connection")).isEqualToIgnoringCase("close");
        assertThat(c.orderlyEndOfStream()).as("an orderly end of stream, not a reset").isTrue();
    }

    @Test
    void aHeldPostWhoseHoldTimesOutReadsIts503() throws Exception {
        try (PauseFixture fx = PauseFixture.start("queue-timeout", "300ms")) {
            fx.pause("{}");
            RawClient c = fx.client();
            sendWithBody(c, post("/upload", "app.test", "up"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.status().counters().timedOut() == 1);
            readsAnswerThenEndOfStream(c, 503);
            assertThat(fx.upstream.count("up")).isZero();
        }
    }

    @Test
    void aHeldPostThatMeetsShutdownReadsIts503() throws Exception {
        PauseFixture fx = PauseFixture.start();
        try {
            fx.pause("{}");
            RawClient c = fx.client();
            sendWithBody(c, post("/upload", "app.test", "up"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.gate().queueDepth() == 1);
            Thread shutdown = new Thread(() -> {
                try {
                    fx.proxy.shutdown(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            shutdown.start();
            readsAnswerThenEndOfStream(c, 503);
            shutdown.join(10_000);
            assertThat(fx.upstream.count("up")).isZero();
        } finally {
            fx.close();
        }
    }

    @Test
    void aRefusedRequestWithABodyReadsIts400() throws Exception {
        try (PauseFixture fx = PauseFixture.start()) {
            RawClient c = fx.client();
            sendWithBody(c, post("/upload", "user@app.test", "bad"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.proxy.metrics().registry()
                    .get("pauseproxy.requests").tag("status_class", "4xx").counter().count() == 1);
            readsAnswerThenEndOfStream(c, 400);
        }
    }
}
