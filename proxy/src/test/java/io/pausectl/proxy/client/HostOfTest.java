package io.pausectl.proxy.client;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host the gate matches scopes on, read from the received bytes without a String in between:
 * what the old reading of a String made of the whole value gave, for every shape of value.
 */
class HostOfTest {
    /** The reading before: a String of the value, its port cut, trimmed, in lower case. */
    private static String before(String host) {
        if (host == null) {
            return "";
        }
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']') < colon) {
            end = colon;
        }
        return host.substring(0, end).trim().toLowerCase(Locale.ROOT);
    }

    @Test
    void readsAsTheStringReadingDid() {
        List<String> values = List.of("", "a", "A.Example", "example.com:8080", "127.0.0.1:80", "[::1]", "[::1]:443",
                "[::1:2]", " a ", "\ta:1", "a:", ":", "::", "a:b:c", "]:x", "[a]b:c", "HOST:", "Caf\u00c9.example",
                "x\u00ff", "\u0000a", "a b", "[", "]", "a]:b[", " ", "ALL-UPPER.EXAMPLE:65535");
        for (String value : values) {
            assertThat(ClientExchangeHandler.hostOf(value)).as(value).isEqualTo(before(value));
            AsciiString view = new AsciiString(("x" + value + "y").getBytes(StandardCharsets.ISO_8859_1), 1,
                    value.length(), false);
            assertThat(ClientExchangeHandler.hostOf(view)).as("view of " + value).isEqualTo(before(value));
        }
        assertThat(ClientExchangeHandler.hostOf(null)).isEmpty();
    }
}
