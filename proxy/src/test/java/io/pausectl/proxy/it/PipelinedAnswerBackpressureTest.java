package io.pausectl.proxy.it;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.proxy.testing.ScriptedUpstream;
import io.pausectl.testkit.http.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backpressure toward the client (STYLE pitfall 9, found in review): a client that pipelines
 * requests and reads none of the answers gets only what the sockets' buffers and one high-water
 * mark of the proxy's output hold; its other requests wait, unread, until it reads. Before, the
 * proxy read and forwarded the next request as soon as an answer was complete, whether the client
 * took anything or not, so every whole answer was queued in the proxy's memory: one client
 * pipelining 100,000 GETs filled the whole direct memory (64 MiB) and other clients' connections
 * were dropped.
 */
class PipelinedAnswerBackpressureTest {
    /** Small enough to come from the origin in one read: a whole answer, not a body in pieces. */
    private static final int ANSWER_BYTES = 1024;
    private static final int COUNT = 1_000;
    /** The sockets' buffers toward the client, kept small so that the proxy's own queue shows. */
    private static final int SOCKET_BUFFER = 4096;
    /**
     * What may be forwarded while the client reads nothing: the two small socket buffers (the
     * kernel doubles what is set: 16 KiB, 16 answers), one high-water mark (64 KiB: 64 answers)
     * and the answer that crossed it, with room to spare: 63 were forwarded in practice. The old
     * code went on forwarding (past 500 within 1.5 s on a quiet machine) until all were.
     */
    private static final int MOST_FORWARDED_UNREAD = 150;

    @Test
    void aClientThatReadsNothingGetsNoMoreAnswersQueuedThanItsBuffersHold() throws Exception {
        // Each answer in one write, so that it comes to the proxy whole, in one read.
        String answer = "HTTP/1.1 200 OK\r\nContent-Length: " + ANSWER_BYTES + "\r\n\r\n" + "a".repeat(ANSWER_BYTES);
        try (ScriptedUpstream upstream = new ScriptedUpstream((conn, n) -> {
                 while (conn.readRequest() != null) {
                     conn.write(answer);
                 }
             });
             ProxyFixture proxy = ProxyFixture.start(List.of(upstream.url()));
             RawClient c = new RawClient(proxy.port, SOCKET_BUFFER)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server.clientChannels().iterator().hasNext());
            Channel accepted = proxy.server.clientChannels().iterator().next();
            accepted.eventLoop().submit(() -> accepted.config().setOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)).get();
            byte[] one = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[one.length * COUNT];
            for (int i = 0; i < COUNT; i++) {
                System.arraycopy(one, 0, all, i * one.length, one.length);
            }
            c.send(all);
            // The first answers fill the buffers; then the proxy must stop forwarding and stay so
            // (a test of something not happening needs a span of time: 3 s, a slow machine's span
            // for the old code to pass the bound).
            await().atMost(Duration.ofSeconds(20)).until(() -> upstream.heads().size() > 0);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
                    .until(() -> upstream.heads().size() <= MOST_FORWARDED_UNREAD);
            // Reading resumes the forwarding: every answer arrives, whole and in order.
            for (int i = 0; i < COUNT; i++) {
                RawClient.Response r = c.read();
                assertThat(r.status()).as("answer %d", i).isEqualTo(200);
                assertThat(r.body()).as("answer %d", i).hasSize(ANSWER_BYTES);
            }
            assertThat(upstream.heads().size()).isEqualTo(COUNT);
        }
    }
}
