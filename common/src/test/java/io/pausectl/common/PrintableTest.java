package io.pausectl.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {

    @Test
    void escapesEveryLineBreakAndControlCharacter() {
        String forged = "deploy\n2026-01-01 INFO pause gate paused -> running\r\u0000\u001b[2J\u0085\u2028\\n";
        String escaped = Printable.escape(forged);
        assertThat(escaped).isEqualTo(
                "deploy\\n2026-01-01 INFO pause gate paused -> running\\r\\u0000\\u001b[2J\\u0085\\u2028\\\\n");
        assertThat(Printable.hasControl(escaped)).isFalse();
        assertThat(Printable.hasControl(forged)).isTrue();
    }

    @Test
    void leavesPlainTextAsItIs() {
        String text = "migrate orders — pausectl@host:42 é";
        assertThat(Printable.escape(text)).isSameAs(text);
        assertThat(Printable.hasControl(text)).isFalse();
        assertThat(Printable.escape(null)).isNull();
    }
}
