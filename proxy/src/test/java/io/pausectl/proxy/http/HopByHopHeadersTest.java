package io.pausectl.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class HopByHopHeadersTest {
    @Test
    void stripsTheFixedListAndEveryConnectionToken() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-A")
                .add("Connection", "x-b,,")
                .add("X-A", "1").add("X-B", "2").add("X-C", "3")
                .add("Keep-Alive", "timeout=5").add("Proxy-Connection", "keep-alive")
                .add("Proxy-Authorization", "Basic x").add("Proxy-Authenticate", "Basic")
                .add("TE", "trailers").add("Trailer", "X-T").add("Transfer-Encoding", "chunked")
                .add("Upgrade", "websocket");
        HopByHopHeaders.strip(h);
        assertThat(h.names()).containsExactly("X-C");
    }

    @Test
    void aThousandOptionsAreStrippedInOneSweepOfTheFields() {
        // 1,000 options naming 1,000 of 2,000 fields: each field's name is read a few times (a
        // hash, a compare on a hit), not once per option (the old removal per option read the
        // field names over a million times here).
        AtomicLong reads = new AtomicLong();
        HttpHeaders h = CompactHttpHeaders.like(DefaultHttpHeadersFactory.headersFactory()).newHeaders();
        StringBuilder options = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            options.append(i == 0 ? "" : ", ").append(i % 2 == 0 ? "HOP-" : "hop-").append(i);
        }
        h.add("Connection", options.toString());
        for (int i = 0; i < 1_000; i++) {
            h.add(new CountedName("hop-" + i, reads), "1");
            h.add(new CountedName("keep-" + i, reads), "2");
        }
        reads.set(0);
        HopByHopHeaders.strip(h);
        assertThat(h.size()).isEqualTo(1_000);
        assertThat(h.names()).allMatch(name -> name.startsWith("keep-"));
        assertThat(reads.get()).as("name chars read").isLessThan(50_000);
    }

    @Test
    void aConnectionTokenCannotRemoveFramingOrRouting() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "Content-Length, host")
                .add("Content-Length", "5").add("Host", "a");
        HopByHopHeaders.strip(h);
        assertThat(h.get("content-length")).isEqualTo("5");
        assertThat(h.get("host")).isEqualTo("a");
        assertThat(h.contains("connection")).isFalse();
    }

    @Test
    void forwardingHeadersAppendToWhatIsThere() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Forwarded-For", "1.1.1.1").add("X-Forwarded-For", "2.2.2.2")
                .add("X-Forwarded-Proto", "https").add("X-Forwarded-Host", "spoofed")
                .add("Host", "real.example:8080").add("Via", "1.1 first");
        ForwardedHeaders.addToRequest(h, "10.0.0.9", HttpVersion.HTTP_1_0);
        assertThat(h.getAll("x-forwarded-for")).containsExactly("1.1.1.1, 2.2.2.2, 10.0.0.9");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-host")).isEqualTo("real.example:8080");
        assertThat(h.get("via")).isEqualTo("1.1 first, 1.0 pause-proxy");
    }
}
