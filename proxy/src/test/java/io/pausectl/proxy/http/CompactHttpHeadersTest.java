package io.pausectl.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.pausectl.testkit.RandomSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link CompactHttpHeaders} answers as Netty's {@code DefaultHttpHeaders} does, operation by operation. */
@ExtendWith(RandomSeed.Extension.class)
class CompactHttpHeadersTest {
    private static final CharSequence[] NAMES = {
            "Content-Length", "content-length", HttpHeaderNames.CONTENT_LENGTH, "Connection", "CONNECTION",
            HttpHeaderNames.CONNECTION, "Transfer-Encoding", HttpHeaderNames.TRANSFER_ENCODING, "X-A", "x-a",
            new AsciiString("X-A"), "Host", HttpHeaderNames.HOST, "Via", "X-Forwarded-For", "Te", "TE", "Ab", "aB",
            // AsciiString pairs are compared on their bytes: letters fold, '^' and '~' (0x20 apart) do not
            AsciiString.of("CONTENT-LENGTH"), AsciiString.of("x-A"), AsciiString.of("X^"), AsciiString.of("X~"), "x~"};
    private static final String[] VALUES = {
            "", "5", " 5 ", "close", "Close", "keep-alive, close", "close,", ",close", " CLOSE , x",
            "chunked", "gzip, chunked", "a,,b", "\t x\t", "X-A, x-b", "1", "70000", "abc", "Tue, 15 Nov 1994 08:12:31 GMT"};

    private static final class Compact extends CompactHttpHeaders {
        Compact(boolean validate) {
            super(validate);
        }
    }

    @Test
    void everyOperationAnswersAsNettysDefaultHeaders(RandomSeed seed) {
        Random random = seed.random(0);
        for (int round = 0; round < 60; round++) {
            HttpHeaders netty = new DefaultHttpHeaders();
            Compact compact = new Compact(true);
            List<String> log = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                CharSequence name = NAMES[random.nextInt(NAMES.length)];
                String value = VALUES[random.nextInt(VALUES.length)];
                int op = random.nextInt(10);
                log.add(op + " " + name + "=" + value);
                String before = "round " + round + ", " + log;
                switch (op) {
                    case 0, 1, 2, 3 -> both(netty, compact, h -> h.add(name, value), before);
                    case 4 -> both(netty, compact, h -> h.set(name, value), before);
                    case 5 -> both(netty, compact, h -> h.remove(name), before);
                    case 6 -> both(netty, compact, h -> h.set(name, List.of(value, "2")), before);
                    case 7 -> both(netty, compact, h -> h.addInt(name, value.length()), before);
                    case 8 -> both(netty, compact, h -> h.add(name, List.of(value)), before);
                    default -> {
                        if (random.nextInt(8) == 0) {
                            both(netty, compact, HttpHeaders::clear, before);
                        }
                    }
                }
                String at = "round " + round + ", after " + log;
                for (CharSequence n : NAMES) {
                    assertThat(compact.get(n)).as(at).isEqualTo(netty.get(n));
                    assertThat(compact.get(n.toString())).as(at).isEqualTo(netty.get(n.toString()));
                    assertThat(compact.getAll(n)).as(at).containsExactlyElementsOf(netty.getAll(n));
                    assertThat(compact.contains(n)).as(at).isEqualTo(netty.contains(n));
                    assertThat(compact.getInt(n)).as(at).isEqualTo(netty.getInt(n));
                    assertThat(compact.getShort(n)).as(at).isEqualTo(netty.getShort(n));
                    assertThat(compact.getTimeMillis(n)).as(at).isEqualTo(nettyTimeMillis(netty, n));
                    for (String v : VALUES) {
                        for (boolean ignoreCase : new boolean[] {false, true}) {
                            assertThat(compact.containsValue(n, v, ignoreCase)).as(at + " containsValue " + n + " " + v)
                                    .isEqualTo(netty.containsValue(n, v, ignoreCase));
                            assertThat(compact.contains(n, v, ignoreCase)).as(at + " contains " + n + " " + v)
                                    .isEqualTo(netty.contains(n, v, ignoreCase));
                        }
                    }
                }
                assertThat(compact.size()).as(at).isEqualTo(netty.size());
                List<String> byIndex = new ArrayList<>();
                for (int i = 0; i < compact.size(); i++) {
                    byIndex.add(compact.nameAt(i) + ": " + compact.valueAt(i));
                }
                assertThat(byIndex).as(at).containsExactlyElementsOf(
                        netty.entries().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
                assertThat(compact.isEmpty()).as(at).isEqualTo(netty.isEmpty());
                // Netty's names() can list one spelling twice (once an AsciiString, once a String).
                assertThat(compact.names()).as(at).containsExactlyElementsOf(distinctNames(netty));
                assertThat(strings(compact.iteratorCharSequence())).as(at).containsExactlyElementsOf(strings(netty.iteratorCharSequence()));
                assertThat(compact.entries().stream().map(e -> e.getKey() + ": " + e.getValue())).as(at)
                        .containsExactlyElementsOf(netty.entries().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
                assertThat(compact.toString().replace("Compact", "X")).as(at)
                        .isEqualTo(netty.toString().replace("DefaultHttpHeaders", "X"));
            }
        }
    }

    @Test
    void namesAndValuesAreRefusedAsNettyRefusesThem() {
        HttpHeaders compact = new Compact(true);
        for (String bad : new String[] {"X A", "X:A", "", "X\tA", "X\u0080"}) {
            assertThatThrownBy(() -> new DefaultHttpHeaders().add(bad, "1")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> compact.add(bad, "1")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> compact.set(bad, "1")).isInstanceOf(IllegalArgumentException.class);
        }
        for (String bad : new String[] {"a\r\nb", "a\nb", "a\u0000b"}) {
            assertThatThrownBy(() -> new DefaultHttpHeaders().add("X", bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> compact.add("X", bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(compact.isEmpty()).isTrue();
        HttpHeaders unchecked = new Compact(false).add("X A", "a\nb");
        assertThat(unchecked.get("x a")).isEqualTo("a\nb");
    }

    @Test
    void trailersKeepNettysTrailerRefusals() {
        HttpHeaders trailers = CompactHttpHeaders.like(DefaultHttpHeadersFactory.trailersFactory()).newHeaders();
        assertThat(trailers).isInstanceOf(CompactHttpHeaders.class);
        for (CharSequence framing : new CharSequence[] {"Content-Length", "transfer-encoding", "Trailer"}) {
            assertThatThrownBy(() -> DefaultHttpHeadersFactory.trailersFactory().newHeaders().add(framing, "1"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> trailers.add(framing, "1")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(trailers.add("X-T", "1").get("x-t")).isEqualTo("1");
    }

    /** Runs {@code op} on both: both refuse it (the same exception type) or neither does. */
    private static void both(HttpHeaders netty, HttpHeaders compact, Consumer<HttpHeaders> op, String at) {
        Class<?> nettyRefused = refusal(netty, op);
        assertThat(refusal(compact, op)).as(at).isEqualTo(nettyRefused);
    }

    private static Class<?> refusal(HttpHeaders headers, Consumer<HttpHeaders> op) {
        try {
            op.accept(headers);
            return null;
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }

    /** Netty's names() as distinct strings (its view can hold an AsciiString typed as a String). */
    private static List<String> distinctNames(HttpHeaders netty) {
        List<String> names = new ArrayList<>();
        for (Object name : (Iterable<?>) netty.names()) {
            if (!names.contains(name.toString())) {
                names.add(name.toString());
            }
        }
        return names;
    }

    /** Netty throws a (checked) ParseException for a value that is not a date: null here. */
    private static Long nettyTimeMillis(HttpHeaders netty, CharSequence name) {
        try {
            return netty.getTimeMillis(name);
        } catch (Exception e) {
            return null;
        }
    }

    private static List<String> strings(Iterator<Map.Entry<CharSequence, CharSequence>> it) {
        List<String> out = new ArrayList<>();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            out.add(e.getKey() + ": " + e.getValue());
        }
        return out;
    }
}
