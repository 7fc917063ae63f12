package io.pausectl.proxy.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class HeadLinesTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String edit(String head, List<String> drop, List<String> add) {
        byte[] out = HeadLines.edit(bytes(head), drop, add, false);
        return out == null ? null : new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void dropsNamedFieldsWhateverTheirCaseAndAppends() {
        assertThat(edit("GET / HTTP/1.1\r\nHost: a\r\nCONNECTION: x\r\nX-Keep:  1 \r\nconnection: y\r\n\r\n",
                List.of("connection"), List.of("via", "1.1 p")))
                .isEqualTo("GET / HTTP/1.1\r\nHost: a\r\nX-Keep:  1 \r\nvia: 1.1 p\r\n");
    }

    @Test
    void aThousandDroppedNamesCostOnePassOverTheLines() {
        // 1,000 names to drop from a head of 2,000 fields: each name is read a few times (its hash,
        // a compare on a hit), not once per line (the old list compare read them over a million times).
        AtomicLong reads = new AtomicLong();
        List<CharSequence> drop = new ArrayList<>();
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        StringBuilder kept = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 1_000; i++) {
            drop.add(new CountedName((i % 2 == 0 ? "HOP-" : "hop-") + i, reads));
            head.append("hop-").append(i).append(": 1\r\nkeep-").append(i).append(": 2\r\n");
            kept.append("keep-").append(i).append(": 2\r\n");
        }
        byte[] out = HeadLines.edit(bytes(head.append("\r\n").toString()), drop, List.of(), true);
        assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo(kept.toString());
        assertThat(reads.get()).as("name chars read").isLessThan(50_000);
    }

    @Test
    void aNameIsComparedWhole() {
        assertThat(edit("GET / HTTP/1.1\r\nVia2: a\r\nVi: b\r\n\r\n", List.of("via"), List.of()))
                .isEqualTo("GET / HTTP/1.1\r\nVia2: a\r\nVi: b\r\n");
    }

    @Test
    void aHeadWithoutFieldsStillGetsTheAddedOnes() {
        assertThat(edit("GET / HTTP/1.1\r\n\r\n", List.of(), List.of("a", "1", "b", "2")))
                .isEqualTo("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\n");
    }

    @Test
    void keepsRunsOfLinesBetweenDroppedOnes() {
        assertThat(edit("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nConnection: x\r\nC: 3\r\nD: 4\r\nVia: v\r\n\r\n",
                List.of("connection", "via"), List.of("via", "w")))
                .isEqualTo("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nvia: w\r\n");
    }

    @Test
    void refusesWhatItCannotEditSafely() {
        // obs-fold (RFC 9112 §5.2), whitespace before the colon, bare LF, no end, no colon.
        assertThat(edit("GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\nA\t: 1\r\n\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\nConnection : close\r\n\r\n", List.of("connection"), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\nA: 1\n\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\nA: 1\r\n\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\nA: 1\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\nA 1\r\n\r\n", List.of(), List.of())).isNull();
        assertThat(edit("GET / HTTP/1.1\r\n: 1\r\n\r\n", List.of(), List.of())).isNull();
    }

    private static String edit(String head, boolean namesValidated) {
        byte[] out = HeadLines.edit(bytes(head), List.of("via"), List.of(), namesValidated);
        return out == null ? null : new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void refusesABareCrInAnyLineWhateverTheNamesCheck() {
        // RFC 9112 §2.2: a recipient may read a bare CR as a line end; relayed, the rest of the
        // line would be a field of its own.
        for (boolean validated : new boolean[] {false, true}) {
            assertThat(edit("HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: e=1\r\n\r\n", validated)).isNull();
            assertThat(edit("HTTP/1.1 200 OK\r\nX-A\rSet-Cookie: e=1\r\n\r\n", validated)).isNull();
            assertThat(edit("HTTP/1.1 200 OK\r\nVia\r: 1\r\n\r\n", validated)).isNull();
            assertThat(edit("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: b\r\r\n\r\n", validated)).isNull();
            assertThat(edit("HTTP/1.1 200 OK\rSet-Cookie: e=1\r\nX-A: 1\r\n\r\n", validated)).isNull();
            assertThat(edit("GET / HTTP/1.1\r\r\nX-A: 1\r\n\r\n", validated)).isNull();
        }
    }

    @Test
    void refusesAControlByteInTheStartLineButHtab() {
        assertThat(edit("HTTP/1.1 200\u000bOK\r\nX-A: 1\r\n\r\n", false)).isNull();
        assertThat(edit("HTTP/1.1 200 O\u0000K\r\nX-A: 1\r\n\r\n", false)).isNull();
        assertThat(edit("HTTP/1.1 200 O\u007fK\r\nX-A: 1\r\n\r\n", false)).isNull();
        assertThat(edit("HTTP/1.1 200 Fine\tThanks \u00e9\r\nX-A: 1\r\n\r\n", false))
                .isEqualTo("HTTP/1.1 200 Fine\tThanks \u00e9\r\nX-A: 1\r\n");
    }

    /**
     * {@code head}'s fields as a strict parser keeps them: names and values views of the bytes, each
     * line's start recorded ({@link CompactHttpHeaders#scannedLines}). Heads of the strict kind only.
     */
    private static CompactHttpHeaders scanned(byte[] head) {
        CompactHttpHeaders fields = new CompactHttpHeaders(true);
        List<Integer> starts = new ArrayList<>();
        int line = 0;
        while (head[line] != '\n') {
            line++;
        }
        line++;
        while (head[line] != '\r') {
            starts.add(line);
            int colon = line;
            while (head[colon] != ':') {
                colon++;
            }
            int end = colon;
            while (head[end] != '\r') {
                end++;
            }
            int from = colon + 1;
            int to = end;
            while (from < to && (head[from] == ' ' || head[from] == '\t')) {
                from++;
            }
            while (to > from && (head[to - 1] == ' ' || head[to - 1] == '\t')) {
                to--;
            }
            fields.addScanned(new io.netty.util.AsciiString(head, line, colon - line, false),
                    new io.netty.util.AsciiString(head, from, to - from, false));
            line = end + 2;
        }
        starts.add(line);
        fields.scannedLines(head, starts.stream().mapToInt(Integer::intValue).toArray());
        return fields;
    }

    private static final FieldNames ALWAYS = FieldNames.of(List.of("connection", "keep-alive", "via", "content-length"));

    /** {@link HeadLines#relay} and {@link HeadLines#edit} given the same names to drop. */
    private static void assertRelayedAsEdited(String head, List<String> options, List<String> add) {
        byte[] received = bytes(head);
        List<CharSequence> all = new ArrayList<>(List.of("connection", "keep-alive", "via", "content-length"));
        all.addAll(options);
        byte[] edited = HeadLines.edit(received, all, add, true);
        byte[] relayed = HeadLines.relay(received, scanned(received), ALWAYS, options, add);
        assertThat(edited).as(head).isNotNull();
        assertThat(relayed).as(head).isNotNull();
        assertThat(new String(relayed, StandardCharsets.ISO_8859_1)).as(head)
                .isEqualTo(new String(edited, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aScannedHeadIsRelayedFromItsLineStartsAsTheEditWouldMakeIt() {
        assertRelayedAsEdited("GET / HTTP/1.1\r\nHost: a\r\n\r\n", List.of(), List.of("x-forwarded-for", "192.0.2.1"));
        assertRelayedAsEdited("GET / HTTP/1.1\r\nHost: a\r\nCONNECTION: x-a\r\nX-Keep:  1 \r\nx-A: 2\r\nVIA: 1.0 b\r\n\r\n",
                List.of("X-A"), List.of("via", "1.1 p"));
        assertRelayedAsEdited("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n", List.of("keep-alive"),
                List.of("content-length", "3", "via", "1.1 pause-proxy"));
        assertRelayedAsEdited("HTTP/1.1 200 OK\r\nvia: a\r\nVia: b\r\n\r\n", List.of(), List.of());
        assertRelayedAsEdited("HTTP/1.1 204 Fine\tThanks\r\n\r\n", List.of(), List.of("a", "1"));
        assertRelayedAsEdited("HTTP/1.1 200 OK\r\nVia2: a\r\nVi: b\r\nX-Empty:\r\n\r\n", List.of("v"), List.of());
    }

    @Test
    void fieldsPastTheSixtyFourthAreDroppedToo() {
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 150; i++) {
            head.append(i % 7 == 0 ? "Via: " : i % 11 == 0 ? "X-Opt: " : "X-Keep-").append(i).append(i % 7 == 0 || i % 11 == 0 ? "" : ": k")
                    .append("\r\n");
        }
        assertRelayedAsEdited(head.append("\r\n").toString(), List.of("x-opt"), List.of("via", "1.1 p"));
    }

    @Test
    void manyOptionsAreLookedUpInASet() {
        AtomicLong reads = new AtomicLong();
        List<CharSequence> drop = new ArrayList<>();
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        StringBuilder kept = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 1_000; i++) {
            drop.add(new CountedName((i % 2 == 0 ? "HOP-" : "hop-") + i, reads));
            head.append("hop-").append(i).append(": 1\r\nkeep-").append(i).append(": 2\r\n");
            kept.append("keep-").append(i).append(": 2\r\n");
        }
        byte[] received = bytes(head.append("\r\n").toString());
        byte[] out = HeadLines.relay(received, scanned(received), ALWAYS, drop, List.of());
        assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo(kept.toString());
        assertThat(reads.get()).as("name chars read").isLessThan(50_000);
    }

    @Test
    void noLineStartsOnceTheFieldsChangeOrForAnotherArray() {
        byte[] received = bytes("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\n");
        assertThat(HeadLines.relay(received.clone(), scanned(received), ALWAYS, List.of(), List.of())).isNull();
        List<java.util.function.Consumer<CompactHttpHeaders>> changes = List.of(
                f -> f.add("x-b", "2"), f -> f.set("x-a", "3"), f -> f.remove("X-A"), f -> f.clear(),
                f -> f.removeAll(FieldNames.of(List.of("host"))), f -> f.setInt("x-c", 1), f -> f.addScanned("x-d", "4"));
        for (java.util.function.Consumer<CompactHttpHeaders> change : changes) {
            CompactHttpHeaders fields = scanned(received);
            change.accept(fields);
            assertThat(fields.lineStartsIn(received)).isNull();
            assertThat(HeadLines.relay(received, fields, ALWAYS, List.of(), List.of())).isNull();
        }
        CompactHttpHeaders untouched = scanned(received);
        untouched.remove("x-absent");
        assertThat(untouched.get("x-a")).isEqualTo("1");
        assertThat(untouched.lineStartsIn(received)).as("nothing removed, nothing changed").isNotNull();
    }
}
