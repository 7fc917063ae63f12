package io.pausectl.proxy.http;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class KnownWordsTest {
    private static AsciiString name(String received) {
        byte[] line = ("x" + received + ":").getBytes(StandardCharsets.ISO_8859_1);
        return KnownWords.name(line, 1, received.length());
    }

    private static String word(String received) {
        byte[] line = (" " + received + " ").getBytes(StandardCharsets.ISO_8859_1);
        return KnownWords.word(line, 1, received.length());
    }

    @Test
    void aKnownNameIsSharedOnlyWhenEveryByteMatchesCaseIncluded() {
        assertThat((Object) name("Content-Type")).hasToString("Content-Type").isSameAs(name("Content-Type"));
        assertThat((Object) name("content-type")).hasToString("content-type");
        assertThat((Object) name("Content-type")).isNull();
        assertThat((Object) name("CONTENT-TYPE")).isNull();
        assertThat((Object) name("Content-Typ")).isNull();
        assertThat((Object) name("X-Unknown")).isNull();
        assertThat((Object) name("")).isNull();
        assertThat((Object) name("Strict-Transport-Security-and-more-than-any-known-name")).isNull();
    }

    @Test
    void aKnownStartLineWordIsSharedOnlyWhenEveryByteMatches() {
        assertThat(word("HTTP/1.1")).isEqualTo("HTTP/1.1").isSameAs(word("HTTP/1.1"));
        assertThat(word("200")).isEqualTo("200");
        assertThat(word("OK")).isEqualTo("OK");
        assertThat(word("Not Found")).isEqualTo("Not Found");
        assertThat(word("ok")).isNull();
        assertThat(word("HTTP/1.2")).isNull();
        assertThat(word("299")).isNull();
        assertThat(word("")).isNull();
    }
}
