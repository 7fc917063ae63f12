package io.pausectl.proxy.it;

import io.pausectl.proxy.gate.Admission;
import io.pausectl.proxy.gate.ControlledGate;
import io.pausectl.proxy.gate.GatedRequest;
import io.pausectl.proxy.gate.Refusal;
import io.pausectl.proxy.testing.ProxyFixture;
import io.pausectl.testkit.http.RawClient;
import io.pausectl.testkit.http.RawClient.Response;
import io.pausectl.testkit.http.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The client side's half of the pause gate's contract, over real sockets with a gate the test
 * drives: a held request is neither forwarded nor read past its head (its body and the pipelined
 * requests behind it wait), 100-continue only on release, 503 for refusals, abandon when the
 * client leaves, and exit exactly once for every forwarded request.
 */
class GatedExchangeTest {
    TestUpstream upstream;
    ControlledGate gate;
    ProxyFixture proxy;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        gate = new ControlledGate();
        proxy = ProxyFixture.start(gate, List.of(upstream.url()), "client-idle-timeout", "300ms");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    private GatedRequest awaitHeld(int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.held.size() >= n);
        return gate.held.get(n - 1);
    }

    @Test
    void aHeldRequestKeepsItsBodyAndThePipelinedRequestsBehindItUntilReleased() throws Exception {
        gate.plan(Admission.HELD);
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("POST /echo?first HTTP/1.1\r\nHost: Proxy.Test:8080\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /echo?second HTTP/1.1\r\nHost: proxy.test\r\n\r\n");
            GatedRequest held = awaitHeld(1);
            assertThat(held.method()).isEqualTo("POST");
            assertThat(held.path()).isEqualTo("/echo");
            assertThat(held.host()).isEqualTo("proxy.test");
            assertThat(held.bufferedBytes()).isPositive();
            // Held past the idle timeout: a held client is not idle.
            assertThat(c.silentFor(800)).isTrue();
            assertThat(upstream.seen()).isEmpty();
            assertThat(gate.entered).hasSize(1);

            gate.release(held, 1_234_000_000L);
            Response first = c.read();
            Response second = c.read();
            assertThat(first.bodyText()).isEqualTo("hello");
            assertThat(first.header("server-timing")).isEqualTo("pause;dur=1234");
            assertThat(second.header("x-path")).isEqualTo("/echo");
            assertThat(second.header("server-timing")).isNull();
            assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo?first", "/echo?second");
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.exitedRequests() == 2);
            assertThat(gate.entered).allSatisfy(r -> assertThat(gate.exits(r)).isEqualTo(1));
        }
    }

    @Test
    void anAbsoluteFormTargetIsGatedAndForwardedByTheHostItNames() throws Exception {
        // RFC 9112 3.2.2: the target's authority wins over Host. The gate (a pause scoped to a
        // host) and the upstream must agree on which host a request is for.
        gate.plan(Admission.HELD);
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("GET http://Billing.Test:8080/abs?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n");
            GatedRequest held = awaitHeld(1);
            assertThat(held.host()).isEqualTo("billing.test");
            assertThat(held.path()).isEqualTo("/abs");
            gate.release(held, 0);
            assertThat(c.read().status()).isEqualTo(200);
            Response query = c.send("GET http://billing.test?only=query HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(query.status()).isEqualTo(200);
        }
        assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/abs?q=1", "/?only=query");
        assertThat(upstream.seen()).extracting(s -> s.headers().get("host")).containsExactly("Billing.Test:8080", "billing.test");
        assertThat(upstream.seen().get(0).headers().get("x-forwarded-host")).isEqualTo("Billing.Test:8080");
    }

    @Test
    void continueIsSentOnlyOnRelease() throws Exception {
        gate.plan(Admission.HELD);
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("PUT /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            GatedRequest held = awaitHeld(1);
            assertThat(c.silentFor(400)).as("no 100 while held").isTrue();
            gate.release(held, 0);
            assertThat(c.read().status()).isEqualTo(100);
            Response r = c.send("body").read();
            assertThat(r.bodyText()).isEqualTo("body");
            assertThat(r.header("server-timing")).isEqualTo("pause;dur=0");
        }
    }

    @Test
    void aRejectedRequestGets503AndWasNeverForwarded() throws Exception {
        gate.plan(Admission.REJECTED, Admission.FORWARD, Admission.REJECTED);
        try (RawClient c = new RawClient(proxy.port)) {
            Response r = c.send("GET /echo?rejected HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isEqualTo("1");
            assertThat(r.header("connection")).as("nothing left unread: the connection goes on").isNull();
            assertThat(c.send("GET /echo?next HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            Response withBody = c.send("POST /echo?body HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").read();
            assertThat(withBody.status()).isEqualTo(503);
            assertThat(withBody.header("connection")).as("its body was never read").isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(upstream.seen()).extracting(TestUpstream.Seen::uri).containsExactly("/echo?next");
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.exitedRequests() == 1);
        assertThat(gate.exits(gate.entered.get(0))).isZero();
        assertThat(gate.exits(gate.entered.get(1))).isEqualTo(1);
        assertThat(gate.exits(gate.entered.get(2))).isZero();
        // Counted once the response is written, which may come after the client has read it.
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.requests("5xx") == 2);
    }

    @Test
    void aHeldRequestThatTimesOutGets503AndTheConnectionCloses() throws Exception {
        gate.plan(Admission.HELD);
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("GET /echo?late HTTP/1.1\r\nHost: a\r\n\r\nGET /echo?behind HTTP/1.1\r\nHost: a\r\n\r\n");
            gate.refuse(awaitHeld(1), Refusal.TIMED_OUT);
            Response r = c.read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("retry-after")).isEqualTo("1");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(upstream.seen()).isEmpty();
        assertThat(gate.entered).hasSize(1);
        assertThat(gate.exitedRequests()).isZero();
    }

    @Test
    void aClientLeavingWhileHeldIsAbandonedAndNeverForwarded() throws Exception {
        gate.plan(Admission.HELD);
        GatedRequest held;
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("POST /echo?gone HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            held = awaitHeld(1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.abandoned.contains(held));
        assertThat(upstream.seen()).isEmpty();
        assertThat(gate.exits(held)).isZero();
    }

    @Test
    void everyForwardedRequestExitsExactlyOnceEvenWhenItFails() throws Exception {
        try (RawClient c = new RawClient(proxy.port)) {
            assertThat(c.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(c.send("GET /reset HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(502);
            assertThat(c.send("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            c.send("GET /cut HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThatThrownBy(c::read).isInstanceOf(java.io.IOException.class);
        }
        try (RawClient c = new RawClient(proxy.port)) {
            c.send("GET /slow?ms=2000 HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.entered.size() == 5);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gate.exitedRequests() == 5);
        assertThat(gate.entered).allSatisfy(r -> assertThat(gate.exits(r)).isEqualTo(1));
    }
}
