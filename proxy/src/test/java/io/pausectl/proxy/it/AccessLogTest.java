package io.pausectl.proxy.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** --access-log: one line per request, nothing without it. */
class AccessLogTest {
    private final Logger access = (Logger) LoggerFactory.getLogger("io.pausectl.proxy.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void attach() {
        lines.start();
        access.addAppender(lines);
    }

    @AfterEach
    void detach() {
        access.detachAppender(lines);
    }

    @Test
    void oneLinePerRequestWhenOn() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyFixture proxy = ProxyFixture.start(upstream, "access-log", "true");
             RawClient c = new RawClient(proxy.port)) {
            c.send("POST /echo?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").read();
            c.send("GET /nowhere HTTP/1.1\r\n\r\n").read();
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.size() == 2);
            assertThat(lines.list.get(0).getFormattedMessage())
                    .matches("127\\.0\\.0\\.1 \"POST /echo\\?q=1 HTTP/1\\.1\" 200 3 \\d+ms " + upstream.url().replace(".", "\\."));
            assertThat(lines.list.get(1).getFormattedMessage())
                    .isEqualTo("127.0.0.1 \"GET /nowhere HTTP/1.1\" 400 32 0ms -");
        }
    }

    /**
     * A response whose head went out and whose body was then cut is logged as the client got it:
     * the head's status and the bytes sent, then {@code cut=<upstream error kind>} (it used to say
     * 502 or 504, which the client never saw).
     */
    @Test
    void aCutResponseIsLoggedWithTheStatusSentAndCut() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
             ProxyFixture proxy = ProxyFixture.start(upstream, "access-log", "true", "upstream-timeout", "300ms")) {
            for (String path : new String[] {"/cut", "/trickle"}) {
                try (RawClient c = new RawClient(proxy.port)) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
                    org.assertj.core.api.Assertions.assertThatThrownBy(c::read).isInstanceOf(java.io.IOException.class);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.size() == 2);
            String url = upstream.url().replace(".", "\\.");
            assertThat(lines.list.get(0).getFormattedMessage())
                    .matches("127\\.0\\.0\\.1 \"GET /cut HTTP/1\\.1\" 200 10 \\d+ms " + url + " cut=reset");
            assertThat(lines.list.get(1).getFormattedMessage())
                    .matches("127\\.0\\.0\\.1 \"GET /trickle HTTP/1\\.1\" 200 \\d+ \\d+ms " + url + " cut=timeout");
        }
    }

    @Test
    void silentWhenOff() throws Exception {
        try (TestUpstream upstream = new TestUpstream(); ProxyFixture proxy = ProxyFixture.start(upstream);
             RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(lines.list).isEmpty();
    }
}
