package io.pausectl.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the admin API's answers ({@link Status}, {@link ApiError}, {@link HeldList}…) in a client
 * with jackson-core's streaming parser, without databind: a short CLI call spent about a third of its
 * start-up CPU setting databind up (its mapper's date format, the {@code JavaTimeModule}, the record
 * deserializers and their annotations; issue 12 item 7).
 *
 * <p>The records of this package stay the one contract: fields are matched by the records' own
 * component names and types, and the values go through their canonical constructors. The rules are
 * those of {@link Json#lenient()}, which a test checks document by document: an unknown field is
 * skipped (a newer proxy may add fields), a missing one is 0, false or null, and so is an explicit
 * {@code null} (and a number field's text {@code "null"}, as databind reads it); the last of a repeated field wins; a number may be written as a string and a string
 * field takes a number or boolean as its text; a fraction is cut to a whole number; an instant is
 * ISO-8601 ({@code 2026-11-25T05:00:00Z}) or epoch seconds; anything after the top-level object is
 * not read. A value of the wrong JSON shape (an object for a number, a string for a list or an
 * object), a number out of its type's range, an unknown {@link PauseState} and malformed JSON are
 * refused. One difference: a document that is only {@code null} is refused here, where databind
 * returns a null the caller could not use.
 */
public final class AnswerReader {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();

    private AnswerReader() {
    }

    /**
     * Reads one answer of record type {@code type}.
     *
     * @throws JsonProcessingException when the document is not JSON or not that record's shape; its
     *                                 {@link JsonProcessingException#getOriginalMessage() message} says where
     */
    public static <T extends Record> T read(String json, Class<T> type) throws JsonProcessingException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new JsonParseException(parser, "No content to map due to end-of-input");
            }
            if (first != JsonToken.START_OBJECT) {
                throw mismatch(parser, type, "an object");
            }
            try {
                return type.cast(record(parser, type));
            } catch (ArithmeticException | DateTimeException e) {
                // A number past what its field holds (an instant beyond year 1,000,000,000, say):
                // refused as databind refuses it, in the reader's words, never as a raw exception.
                throw new JsonParseException(parser, "Value out of range: " + e.getMessage());
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            // Reading a String: no I/O can fail.
            throw new IllegalStateException(e);
        }
    }

    /** A record's components by name, and its canonical constructor. */
    private record Shape(Map<String, Integer> index, RecordComponent[] components, Constructor<?> constructor) {
        static Shape of(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                index.put(components[i].getName(), i);
            }
            try {
                return new Shape(index, components, type.getDeclaredConstructor(types));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("no canonical constructor in " + type, e);
            }
        }
    }

    /** The record at the parser's START_OBJECT, up to and including its END_OBJECT. */
    private static Object record(JsonParser parser, Class<?> type) throws IOException {
        Shape shape = SHAPES.computeIfAbsent(type, Shape::of);
        Object[] values = new Object[shape.components().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = missing(shape.components()[i].getType());
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            Integer i = shape.index().get(name);
            if (i == null) {
                parser.skipChildren();
                continue;
            }
            RecordComponent component = shape.components()[i];
            values[i] = parser.currentToken() == JsonToken.VALUE_NULL ? missing(component.getType())
                    : value(parser, component.getType(), component.getGenericType());
        }
        try {
            return shape.constructor().newInstance(values);
        } catch (InvocationTargetException e) {
            throw new JsonParseException(parser, "Cannot construct instance of `" + type.getName() + "`: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a field that is absent or null reads as: 0, false or null. */
    private static Object missing(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }

    /** The non-null value at the parser's current token, as {@code type}. */
    private static Object value(JsonParser parser, Class<?> type, Type generic) throws IOException {
        JsonToken token = parser.currentToken();
        if (type == int.class || type == long.class) {
            if (type == int.class && token == JsonToken.VALUE_NUMBER_FLOAT) {
                // The range is the number's, before its fraction is cut (2147483647.9 is no int).
                BigDecimal d = parser.getDecimalValue();
                if (d.compareTo(INT_MIN) < 0 || d.compareTo(INT_MAX) > 0) {
                    throw new JsonParseException(parser, "Numeric value (" + parser.getText() + ") out of range of int");
                }
            }
            long value = whole(parser, type);
            if (type == int.class) {
                if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                    throw new JsonParseException(parser, "Numeric value (" + value + ") out of range of int");
                }
                return (int) value;
            }
            return value;
        }
        if (type == boolean.class) {
            if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
                return token == JsonToken.VALUE_TRUE;
            }
            if (token == JsonToken.VALUE_STRING && (parser.getText().equals("true") || parser.getText().equals("false"))) {
                return Boolean.parseBoolean(parser.getText());
            }
            throw mismatch(parser, type, "true or false");
        }
        if (type == String.class) {
            return text(parser, type);
        }
        if (type == PauseState.class) {
            try {
                return PauseState.fromWire(text(parser, type));
            } catch (IllegalArgumentException e) {
                throw new JsonParseException(parser, "Cannot deserialize value of type `" + type.getName()
                        + "` from String \"" + parser.getText() + "\": not one of running, pausing, paused, draining");
            }
        }
        if (type == Instant.class) {
            return instant(parser);
        }
        if (type == List.class) {
            if (token != JsonToken.START_ARRAY) {
                throw mismatch(parser, type, "an array");
            }
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            List<Object> list = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                list.add(parser.currentToken() == JsonToken.VALUE_NULL ? null
                        : value(parser, (Class<?>) element, element));
            }
            return list;
        }
        if (type.isRecord()) {
            if (token != JsonToken.START_OBJECT) {
                throw mismatch(parser, type, "an object");
            }
            return record(parser, type);
        }
        throw new IllegalStateException("AnswerReader cannot read a " + type + " yet");
    }

    /** A whole number: a JSON integer, a fraction cut to its whole part, or a string holding either. */
    private static long whole(JsonParser parser, Class<?> type) throws IOException {
        switch (parser.currentToken()) {
            case VALUE_NUMBER_INT:
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new JsonParseException(parser, "Numeric value (" + parser.getText() + ") out of range of "
                            + type.getName());
                }
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return cut(parser, parser.getText(), type);
            case VALUE_STRING:
                String text = parser.getText().trim();
                if (text.isEmpty() || text.equals("null")) {
                    // databind's "textual null": the text null in a number field is null, so 0
                    return 0;
                }
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException e) {
                    // databind coerces only an integer's text to a whole number, never "5.5" or "1e2"
                    throw new JsonParseException(parser, "Cannot deserialize value of type `" + type.getName()
                            + "` from String \"" + text + "\": not a valid " + type.getName() + " value");
                }
            default:
                throw mismatch(parser, type, "a number");
        }
    }

    private static long cut(JsonParser parser, String text, Class<?> type) throws IOException {
        try {
            return new BigDecimal(text).longValueExact();
        } catch (ArithmeticException e) {
            BigDecimal whole = new BigDecimal(text).setScale(0, java.math.RoundingMode.DOWN);
            try {
                return whole.longValueExact();
            } catch (ArithmeticException tooBig) {
                throw new JsonParseException(parser, "Numeric value (" + text + ") out of range of " + type.getName());
            }
        } catch (NumberFormatException e) {
            throw new JsonParseException(parser, "Cannot deserialize value of type `" + type.getName()
                    + "` from String \"" + text + "\": not a valid number");
        }
    }

    /** A string, or a number's or boolean's text. */
    private static String text(JsonParser parser, Class<?> type) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING || token.isScalarValue()) {
            return parser.getText();
        }
        throw mismatch(parser, type, "a string");
    }

    /** An ISO-8601 instant, or epoch seconds (a fraction for the nanoseconds); an empty string is null. */
    private static Instant instant(JsonParser parser) throws IOException {
        switch (parser.currentToken()) {
            case VALUE_STRING:
                String text = parser.getText().trim();
                if (text.isEmpty()) {
                    return null;
                }
                if (!text.isEmpty() && (Character.isDigit(text.charAt(0)) || text.charAt(0) == '-')
                        && text.chars().allMatch(c -> Character.isDigit(c) || c == '-' || c == '.')) {
                    // epoch seconds written as a string, which databind reads too
                    try {
                        return epochSeconds(new BigDecimal(text));
                    } catch (NumberFormatException e) {
                        throw new JsonParseException(parser, "Cannot deserialize value of type `java.time.Instant` from"
                                + " String \"" + text + "\": not a number of seconds");
                    }
                }
                try {
                    return DateTimeFormatter.ISO_INSTANT.parse(text, Instant::from);
                } catch (DateTimeException e) {
                    throw new JsonParseException(parser, "Cannot deserialize value of type `java.time.Instant` from"
                            + " String \"" + text + "\": " + e.getMessage());
                }
            case VALUE_NUMBER_INT:
                return Instant.ofEpochSecond(parser.getLongValue());
            case VALUE_NUMBER_FLOAT:
                return epochSeconds(parser.getDecimalValue());
            default:
                throw mismatch(parser, Instant.class, "a string or number");
        }
    }

    /**
     * @throws ArithmeticException or {@link DateTimeException} past {@link Instant}'s range (turned
     *                             into a refusal by {@link #read})
     */
    private static Instant epochSeconds(BigDecimal seconds) {
        long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
        return Instant.ofEpochSecond(whole, nanos);
    }

    private static JsonParseException mismatch(JsonParser parser, Class<?> type, String wanted) {
        return new JsonParseException(parser, "Cannot deserialize value of type `" + type.getName() + "` from "
                + parser.currentToken() + ": expected " + wanted);
    }
}
