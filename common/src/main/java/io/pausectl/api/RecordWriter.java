package io.pausectl.api;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes records as JSON (a request's body, {@code pausectl -o json}'s output) with jackson-core's
 * streaming generator, without databind: a short CLI call that wrote one request body spent about a
 * third of its CPU setting databind's mapper up (issue 12 item 7).
 *
 * <p>What it writes is what {@link Json#strict()} writes, character for character, which
 * {@code RecordWriterTest} checks record by record: a record's components in their declared order,
 * each by its name, {@code null} as {@code null}; a {@link PauseState} by its wire name and any other
 * enum by its name; an {@link Instant} as ISO-8601 text ({@link DateTimeFormatter#ISO_INSTANT}); a
 * collection as an array; a map as an object with its keys as text. A value of any other type is a
 * programming error ({@link IllegalArgumentException}): add it here and to the test, or the two
 * writers could part.
 */
public final class RecordWriter {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Map<Class<?>, Method[]> ACCESSORS = new ConcurrentHashMap<>();

    private RecordWriter() {
    }

    /**
     * {@code value} as JSON text.
     *
     * @throws IllegalArgumentException when it holds a value of a type this writer does not know
     */
    public static String write(Object value) {
        StringWriter text = new StringWriter(256);
        try (JsonGenerator generator = FACTORY.createGenerator(text)) {
            value(generator, value);
        } catch (IOException e) {
            // Writing to a StringWriter: no I/O can fail.
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /**
     * {@code value} as JSON in UTF-8, as databind's {@code writeValueAsBytes} writes it (a character
     * outside the Basic Multilingual Plane as its escaped surrogate pair, say).
     *
     * @throws IllegalArgumentException when it holds a value of a type this writer does not know
     */
    public static byte[] writeBytes(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
            value(generator, value);
        } catch (IOException e) {
            // Writing to a ByteArrayOutputStream: no I/O can fail.
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void value(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Boolean flag) {
            generator.writeBoolean(flag);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            generator.writeNumber(((Number) value).intValue());
        } else if (value instanceof Long number) {
            generator.writeNumber(number);
        } else if (value instanceof Double number) {
            generator.writeNumber(number);
        } else if (value instanceof Instant instant) {
            generator.writeString(DateTimeFormatter.ISO_INSTANT.format(instant));
        } else if (value instanceof PauseState state) {
            generator.writeString(state.wireName());
        } else if (value instanceof Enum<?> constant) {
            generator.writeString(constant.name());
        } else if (value instanceof Record record) {
            generator.writeStartObject();
            for (Method accessor : accessors(record.getClass())) {
                generator.writeFieldName(accessor.getName());
                value(generator, get(accessor, record));
            }
            generator.writeEndObject();
        } else if (value instanceof Collection<?> values) {
            generator.writeStartArray();
            for (Object element : values) {
                value(generator, element);
            }
            generator.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeFieldName(String.valueOf(entry.getKey()));
                value(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private static Method[] accessors(Class<?> type) {
        Method[] accessors = ACCESSORS.get(type);
        if (accessors == null) {
            RecordComponent[] components = type.getRecordComponents();
            accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
                // A record nested in a class of another package is not public there.
                accessors[i].setAccessible(true);
            }
            ACCESSORS.put(type, accessors);
        }
        return accessors;
    }

    private static Object get(Method accessor, Record record) {
        try {
            return accessor.invoke(record);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the accessor " + accessor + " threw", e.getCause());
        }
    }
}
