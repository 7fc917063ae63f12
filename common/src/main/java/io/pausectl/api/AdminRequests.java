package io.pausectl.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.pausectl.common.Durations;
import io.pausectl.common.Printable;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads and checks the admin API's request bodies before anything acts on them. Every method
 * throws {@link IllegalArgumentException} with one line in the caller's terms (the field, what it
 * must be), which the server answers as 400; nothing it accepts can overflow later arithmetic or
 * break a log line.
 *
 * <ul>
 *   <li>Bodies are one JSON object read by {@link Json#strict()} (or nothing, for the defaults):
 *       {@code null}, an array or another value at the top, unknown or repeated fields, text after
 *       the object and values of the wrong JSON type are refused.</li>
 *   <li>Free text ({@code reason}, {@code holder}, {@code lease}, {@code message}, scope entries) is
 *       at most {@value #MAX_TEXT} characters with no control character (CR, LF and the rest of C0,
 *       DEL, C1, U+2028/9) and no lone surrogate ({@code "\ud800"}: not Unicode text, RFC 8259 §8.2).</li>
 *   <li>{@code ttl} is {@link #MIN_TTL} to {@link #MAX_TTL} ({@link Durations} grammar; the
 *       proxy then caps a lease at its max-pause); {@code waitIdle} is 0 to {@link #MAX_WAIT_IDLE}.</li>
 * </ul>
 */
public final class AdminRequests {
    /** Longest free-text field, in UTF-16 characters. */
    public static final int MAX_TEXT = 1024;
    /** Shortest lease ttl. */
    public static final Duration MIN_TTL = Duration.ofMillis(1);
    /** Longest lease ttl the API reads (the proxy caps a lease at its max-pause anyway). */
    public static final Duration MAX_TTL = Durations.MAX;
    /** Longest {@code waitIdle}: the admin call waits that long at most. */
    public static final Duration MAX_WAIT_IDLE = Duration.ofHours(1);

    private AdminRequests() {
    }

    /**
     * The body as {@code type}; null when it is empty or blank (the endpoint's defaults). Anything
     * else must be one JSON object: {@code null}, an array, a string, a number are refused.
     *
     * @throws IllegalArgumentException when it is not JSON, or not the shape of {@code type}, with a
     *                                  message in the caller's terms (never the parser's)
     */
    public static <T> T read(byte[] body, Class<T> type) {
        if (isBlank(body)) {
            return null;
        }
        T value;
        try {
            value = Json.strict().readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(explain(e, type));
        } catch (IOException e) {
            throw new IllegalArgumentException("the body cannot be read; send one JSON object, e.g. " + example(type));
        }
        if (value == null) {
            throw new IllegalArgumentException(notAnObject(type));
        }
        return value;
    }

    private static String notAnObject(Class<?> type) {
        return "the body must be a JSON object, e.g. " + example(type) + " (or nothing, for the defaults)";
    }

    private static String explain(JsonProcessingException e, Class<?> type) {
        String msg = String.valueOf(e.getOriginalMessage());
        if (msg.startsWith("Duplicate field '") && msg.endsWith("'")) {
            // Jackson names the field in its message only (a nested one arrives wrapped).
            return "field '" + Printable.escape(msg.substring(17, msg.length() - 1)) + "' is given twice";
        }
        if (e instanceof UnrecognizedPropertyException) {
            UnrecognizedPropertyException u = (UnrecognizedPropertyException) e;
            return "unknown field '" + path(u) + "'; known: " + u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
        }
        if (e instanceof ValueInstantiationException) {
            return "'" + path((JsonMappingException) e) + "' must not hold null";
        }
        if (e instanceof MismatchedInputException) {
            if (msg.startsWith("Trailing token")) {
                return "the body has more after its JSON object; send one object";
            }
            String path = path((JsonMappingException) e);
            if (path.isEmpty()) {
                return notAnObject(type);
            }
            String example = path.equals("ttl") || path.equals("waitIdle") || path.equals("retryAfter")
                    ? ", e.g. \"30s\"" : "";
            return "'" + path + "' must be " + expected(((MismatchedInputException) e).getTargetType())
                    + (((MismatchedInputException) e).getTargetType() == String.class ? example : "");
        }
        // The parser's own words ("Unrecognized token 'x': was expecting (JSON String, ...") name its
        // internals, not the caller's mistake: say where, and what to send.
        if (e instanceof JsonParseException || e.getCause() instanceof IOException) {
            return "the body is not JSON" + where(e) + "; send one JSON object, e.g. " + example(type);
        }
        return "the body does not fit this endpoint" + where(e) + "; send e.g. " + example(type);
    }

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** Checks every free-text field of a pause body; the body as given. */
    public static PauseRequest check(PauseRequest p) {
        if (p != null) {
            text("reason", p.reason());
            text("holder", p.holder());
            text("lease", p.lease());
            if (p.scope() != null) {
                texts("scope.methods", p.scope().methods());
                texts("scope.pathPrefixes", p.scope().pathPrefixes());
                texts("scope.hosts", p.scope().hosts());
            }
        }
        return p;
    }

    /** Checks a renew body: it names a lease; the body as given. */
    public static RenewRequest check(RenewRequest r) {
        if (r == null || r.lease() == null || r.lease().isBlank()) {
            throw new IllegalArgumentException("the body must name the lease: {\"lease\":\"...\",\"ttl\":\"30s\"}");
        }
        text("lease", r.lease());
        return r;
    }

    /** Checks a resume body: it names a lease or forces; the body as given. */
    public static ResumeRequest check(ResumeRequest r) {
        boolean force = r != null && Boolean.TRUE.equals(r.force());
        String lease = r == null ? null : r.lease();
        if (!force && (lease == null || lease.isBlank())) {
            throw new IllegalArgumentException(
                    "the body must name the lease ({\"lease\":\"...\"}) or force ({\"force\":true})");
        }
        text("lease", lease);
        return r;
    }

    /** Longest {@code Retry-After} maintenance mode gives. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);
    /** {@code Retry-After} of maintenance mode when the body says nothing. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);
    /** How long maintenance mode stays on unless renewed, when the body says nothing. */
    public static final Duration DEFAULT_MAINTENANCE_TTL = Duration.ofMinutes(10);
    /** Most held requests {@code GET /v1/held} lists at once. */
    public static final int MAX_HELD_LIMIT = 10_000;
    /** How many held requests {@code GET /v1/held} lists when not told. */
    public static final int DEFAULT_HELD_LIMIT = 100;

    /** Checks a maintenance body: a message of one line, and every free-text field; the body as given. */
    public static MaintenanceRequest check(MaintenanceRequest m) {
        if (m == null || m.message() == null || m.message().isBlank()) {
            throw new IllegalArgumentException("the body must give the message clients are told:"
                    + " {\"message\":\"down for maintenance\",\"retryAfter\":\"60s\"}");
        }
        text("message", m.message());
        text("holder", m.holder());
        text("lease", m.lease());
        if (m.scope() != null) {
            texts("scope.methods", m.scope().methods());
            texts("scope.pathPrefixes", m.scope().pathPrefixes());
            texts("scope.hosts", m.scope().hosts());
        }
        retryAfter(m.retryAfter());
        maintenanceTtl(m.ttl());
        return m;
    }

    /** The {@code Retry-After} a maintenance body asks for: whole seconds, 1s to 24h, 60s when null. */
    public static Duration retryAfter(String text) {
        if (text == null) {
            return DEFAULT_RETRY_AFTER;
        }
        Duration d = duration("retryAfter", text, Duration.ofSeconds(1), MAX_RETRY_AFTER);
        if (d.getNano() != 0) {
            throw new IllegalArgumentException("'retryAfter': '" + Printable.escape(cut(text)) + "' must be whole"
                    + " seconds (Retry-After counts seconds), e.g. \"60s\"");
        }
        return d;
    }

    /** How long a maintenance body asks to stay on: 1s to 8760h, 10m when null. */
    public static Duration maintenanceTtl(String text) {
        return text == null ? DEFAULT_MAINTENANCE_TTL : duration("ttl", text, Duration.ofSeconds(1), MAX_TTL);
    }

    /** Checks a cancel body: it names a held request by its id; the id. */
    public static long check(CancelRequest c) {
        if (c == null || c.id() == null) {
            throw new IllegalArgumentException("the body must name the held request: {\"id\":17} (ids from GET /v1/held)");
        }
        if (c.id() <= 0) {
            throw new IllegalArgumentException("'id' must be a held request's id from GET /v1/held (1 or more)");
        }
        return c.id();
    }

    /**
     * Checks a request's query parameters: each a {@code known} one, given at most once (a repeated
     * one is ambiguous: servers differ on which value wins).
     *
     * @param query the decoded parameters, name to values
     * @return the value of each parameter given, by name
     */
    public static Map<String, String> query(Map<String, List<String>> query, String... known) {
        Map<String, String> values = new HashMap<>();
        for (Map.Entry<String, List<String>> p : query.entrySet()) {
            String name = p.getKey();
            if (!Arrays.asList(known).contains(name)) {
                throw new IllegalArgumentException("unknown query parameter '" + Printable.escape(cut(name)) + "'"
                        + (known.length == 0 ? "; this endpoint takes none" : "; known: " + String.join(", ", known)));
            }
            if (p.getValue().size() != 1) {
                throw new IllegalArgumentException("query parameter '" + name + "' is given " + p.getValue().size()
                        + " times; give it once");
            }
            values.put(name, p.getValue().get(0));
        }
        return values;
    }

    /** The {@code limit} query parameter of {@code GET /v1/held}: 1 to 10000, 100 when absent. */
    public static int heldLimit(String text) {
        if (text == null) {
            return DEFAULT_HELD_LIMIT;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_HELD_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'limit' must be a whole number from 1 to " + MAX_HELD_LIMIT + ", not '"
                + Printable.escape(cut(text)) + "'");
    }

    /** The lease ttl a body asks for; empty when it asks for none. */
    public static Optional<Duration> ttl(String text) {
        return text == null ? Optional.empty() : Optional.of(duration("ttl", text, MIN_TTL, MAX_TTL));
    }

    /** The {@code waitIdle} a body asks for, or {@code otherwise}. */
    public static Duration waitIdle(String text, Duration otherwise) {
        return text == null ? otherwise : duration("waitIdle", text, Duration.ZERO, MAX_WAIT_IDLE);
    }

    private static Duration duration(String field, String text, Duration min, Duration max) {
        try {
            return Durations.parse(text, min, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "': " + e.getMessage());
        }
    }

    /**
     * Checks one free-text field: null or at most {@value #MAX_TEXT} characters, none of them a
     * control character.
     */
    public static void text(String field, String value) {
        if (value == null) {
            return;
        }
        if (value.length() > MAX_TEXT) {
            throw new IllegalArgumentException("'" + field + "' is longer than " + MAX_TEXT + " characters");
        }
        if (Printable.hasControl(value)) {
            throw new IllegalArgumentException("'" + field + "' must be one line of printable text: it holds a control"
                    + " character (\"" + cut(Printable.escape(value)) + "\")");
        }
        if (Printable.hasLoneSurrogate(value)) {
            throw new IllegalArgumentException("'" + field + "' must be Unicode text: it holds half of a surrogate"
                    + " pair (\"" + cut(Printable.escape(value)) + "\"), which no UTF-8 can carry");
        }
    }

    private static void texts(String field, List<String> values) {
        for (String v : values) {
            text(field, v);
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return Printable.escape(out.toString());
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another JSON type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Long.class || type == long.class) {
            return "a whole number, e.g. 17";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list of strings, e.g. [\"POST\"]";
        }
        if (type == Scope.class) {
            return "an object, e.g. {\"methods\":[\"POST\"],\"pathPrefixes\":[\"/orders\"]}";
        }
        return "of another JSON type";
    }

    private static String example(Class<?> type) {
        if (type == RenewRequest.class) {
            return "{\"lease\":\"...\",\"ttl\":\"30s\"}";
        }
        if (type == ResumeRequest.class) {
            return "{\"lease\":\"...\"}";
        }
        if (type == MaintenanceRequest.class) {
            return "{\"message\":\"down for maintenance\",\"retryAfter\":\"60s\"}";
        }
        if (type == CancelRequest.class) {
            return "{\"id\":17}";
        }
        return "{\"reason\":\"migrate\",\"ttl\":\"30s\"}";
    }

    /**
     * At most 120 characters; cut after escaping, since an escape is up to six times its character,
     * and never between the halves of a surrogate pair.
     */
    private static String cut(String s) {
        if (s.length() <= 120) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(119)) ? 119 : 120;
        return s.substring(0, end) + "…";
    }
}
