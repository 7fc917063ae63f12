package io.pausectl.api;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mappers of the admin API. The server reads requests strictly: an unknown field, a field
 * given twice, anything after the top-level value, and a value of the wrong JSON type (a number
 * for a string, {@code 1} or {@code "true"} for a boolean, a string for a list) are all errors, so
 * that a typo or a confused client is told, never half-understood (RFC 8259 §4 leaves duplicate
 * names to the reader: this one refuses them). Clients read answers leniently (a newer proxy may
 * add fields).
 */
public final class Json {
    private Json() {
    }

    // Each mapper is built on its first use (a holder class each): a CLI call that only reads an
    // answer never builds the strict one, whose set-up is a measurable part of its start-up.
    private static final class Strict {
        static final ObjectMapper MAPPER = strictMapper();
    }

    private static final class Lenient {
        static final ObjectMapper MAPPER = base()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    private static ObjectMapper strictMapper() {
        JsonMapper mapper = base()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .build();
        // No value of one JSON type is taken for another.
        mapper.coercionConfigDefaults()
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyArray, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyObject, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Array, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Object, CoercionAction.Fail);
        return mapper;
    }

    /** For reading requests on the server; also fine for writing anything. */
    public static ObjectMapper strict() {
        return Strict.MAPPER;
    }

    /** For reading answers in a client. */
    public static ObjectMapper lenient() {
        return Lenient.MAPPER;
    }
}
