package io.pausectl.proxy.http;

import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The words a response head from an origin almost always has (its version, common status codes
 * and reason phrases, common field names) and a request's common field names, each kept once,
 * so that a decoder returns the shared object for received bytes equal to one of them, byte for
 * byte (case included), instead of a copy per head. A word not listed is copied as before: this
 * changes no value, only how many objects carry it.
 */
public final class KnownWords {
    private static final String[] NAMES = {
            "Server", "Date", "Content-Type", "Content-Length", "Connection", "Transfer-Encoding",
            "Cache-Control", "Last-Modified", "ETag", "Accept-Ranges", "Keep-Alive", "Vary",
            "Content-Encoding", "Expires", "Location", "Set-Cookie", "Pragma", "Age", "Via",
            "Access-Control-Allow-Origin", "X-Content-Type-Options", "Strict-Transport-Security",
            "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy", "Alt-Svc", "Link",
            "X-Request-Id", "X-Powered-By", "Content-Language", "Content-Disposition", "Retry-After",
            "WWW-Authenticate", "Upgrade", "Trailer", "Allow", "Content-Range", "Server-Timing",
            // and a request's (ClientHttpCodec's strict path)
            "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Cookie", "Referer",
            "Authorization", "Origin", "If-None-Match", "If-Modified-Since", "X-Forwarded-For",
            "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "Upgrade-Insecure-Requests", "DNT",
            "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User", "Priority", "Range",
            "If-Match", "If-Range", "Expect", "Forwarded", "X-Req-Id"};
    private static final String[] WORDS = {
            "HTTP/1.1", "HTTP/1.0", "200", "201", "202", "204", "206", "301", "302", "303", "304", "307",
            "308", "400", "401", "403", "404", "405", "409", "410", "412", "413", "416", "429", "500",
            "502", "503", "504", "OK", "Created", "Accepted", "No Content", "Partial Content",
            "Moved Permanently", "Found", "See Other", "Not Modified", "Temporary Redirect",
            "Permanent Redirect", "Bad Request", "Unauthorized", "Forbidden", "Not Found",
            "Method Not Allowed", "Conflict", "Gone", "Precondition Failed", "Payload Too Large",
            "Content Too Large", "Range Not Satisfiable", "Too Many Requests", "Internal Server Error",
            "Bad Gateway", "Service Unavailable", "Gateway Timeout"};

    /** Names by length: each as listed and in lower case (some origins send lower case). */
    private static final AsciiString[][] NAMES_BY_LENGTH;
    private static final String[][] WORDS_BY_LENGTH;
    private static final byte[][][] WORD_BYTES_BY_LENGTH;

    static {
        List<String> spellings = new ArrayList<>();
        for (String name : NAMES) {
            spellings.add(name);
            if (!name.equals(name.toLowerCase(Locale.ROOT))) {
                spellings.add(name.toLowerCase(Locale.ROOT));
            }
        }
        int longest = spellings.stream().mapToInt(String::length).max().orElse(0);
        NAMES_BY_LENGTH = new AsciiString[longest + 1][];
        for (String spelling : spellings) {
            int n = spelling.length();
            AsciiString[] same = NAMES_BY_LENGTH[n] == null ? new AsciiString[0] : NAMES_BY_LENGTH[n];
            same = Arrays.copyOf(same, same.length + 1);
            same[same.length - 1] = AsciiString.cached(spelling);
            NAMES_BY_LENGTH[n] = same;
        }
        int longestWord = Arrays.stream(WORDS).mapToInt(String::length).max().orElse(0);
        WORDS_BY_LENGTH = new String[longestWord + 1][];
        WORD_BYTES_BY_LENGTH = new byte[longestWord + 1][][];
        for (String word : WORDS) {
            int n = word.length();
            String[] same = WORDS_BY_LENGTH[n] == null ? new String[0] : WORDS_BY_LENGTH[n];
            byte[][] sameBytes = WORD_BYTES_BY_LENGTH[n] == null ? new byte[0][] : WORD_BYTES_BY_LENGTH[n];
            same = Arrays.copyOf(same, same.length + 1);
            sameBytes = Arrays.copyOf(sameBytes, sameBytes.length + 1);
            same[same.length - 1] = word;
            sameBytes[sameBytes.length - 1] = word.getBytes(StandardCharsets.US_ASCII);
            WORDS_BY_LENGTH[n] = same;
            WORD_BYTES_BY_LENGTH[n] = sameBytes;
        }
    }

    private KnownWords() {
    }

    /** The shared name equal to {@code length} bytes of {@code bytes} from {@code start}, or null. */
    public static AsciiString name(byte[] bytes, int start, int length) {
        if (length >= NAMES_BY_LENGTH.length || NAMES_BY_LENGTH[length] == null) {
            return null;
        }
        for (AsciiString known : NAMES_BY_LENGTH[length]) {
            if (same(known.array(), known.arrayOffset(), bytes, start, length)) {
                return known;
            }
        }
        return null;
    }

    /** The shared start-line word equal to {@code length} bytes of {@code bytes} from {@code start}, or null. */
    public static String word(byte[] bytes, int start, int length) {
        if (length >= WORDS_BY_LENGTH.length || WORDS_BY_LENGTH[length] == null) {
            return null;
        }
        byte[][] candidates = WORD_BYTES_BY_LENGTH[length];
        for (int i = 0; i < candidates.length; i++) {
            if (same(candidates[i], 0, bytes, start, length)) {
                return WORDS_BY_LENGTH[length][i];
            }
        }
        return null;
    }

    private static boolean same(byte[] a, int aFrom, byte[] b, int bFrom, int length) {
        for (int i = 0; i < length; i++) {
            if (a[aFrom + i] != b[bFrom + i]) {
                return false;
            }
        }
        return true;
    }
}
