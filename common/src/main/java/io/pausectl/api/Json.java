package io.pausectl.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mappers of the admin API. The server reads requests strictly (an unknown field is a
 * 400, so a typo is not silently ignored); clients read answers leniently (a newer proxy may add
 * fields).
 */
public final class Json {
    private static final ObjectMapper STRICT = base()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper LENIENT = base()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    private static ObjectMapper base() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** For reading requests on the server; also fine for writing anything. */
    public static ObjectMapper strict() {
        return STRICT;
    }

    /** For reading answers in a client. */
    public static ObjectMapper lenient() {
        return LENIENT;
    }
}
