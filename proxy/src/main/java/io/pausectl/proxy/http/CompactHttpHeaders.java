package io.pausectl.proxy.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DefaultHeaders.NameValidator;
import io.netty.handler.codec.DefaultHeaders.ValueValidator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A message head's header fields as one array of names and values in the order received: what
 * Netty's {@code DefaultHttpHeaders} holds, without its hash table, an entry object per field and
 * a hash per name. A head has a handful of fields, looked up a few times each, so a scan that
 * compares lengths first costs less than hashing every name on the way in (issue 13: the hash
 * table and its entries were a quarter of the bytes allocated per proxied request).
 *
 * <p>Same contract as {@code DefaultHttpHeaders}: names compare without regard to ASCII case (RFC
 * 9110 §5.1) and keep the case they were added with; values are kept as given ({@code Date} and
 * {@code Calendar} as an HTTP date, other objects by {@code toString()}); {@code set} removes
 * every field of the name and appends the new one at the end; names and values go through the
 * given validators (Netty's, so the same heads are refused).
 */
public class CompactHttpHeaders extends HttpHeaders {
    private static final CharSequence[] NONE = new CharSequence[0];

    private final NameValidator<CharSequence> nameValidator;
    private final ValueValidator<CharSequence> valueValidator;
    /** name, value, name, value…: {@code 2 * size} of them used. */
    private CharSequence[] fields = NONE;
    private int size;
    /**
     * The head a strict parser read these fields from, while they are exactly what it read
     * ({@link #scannedLines}); null once anything changed them.
     */
    private byte[] scannedHead;
    /** Where each field's line starts in {@link #scannedHead}, and where the empty line that ends it does. */
    private int[] lineStarts;

    /**
     * @param validate whether names and values are checked as Netty's default header factory
     *                 checks them (a name is a token, RFC 9110 §5.6.2; a value has no CR, LF or
     *                 NUL, RFC 9110 §5.5)
     */
    protected CompactHttpHeaders(boolean validate) {
        this(DefaultHttpHeadersFactory.headersFactory().withValidation(validate));
    }

    /** Headers that check names and values with {@code validators}' validators. */
    protected CompactHttpHeaders(DefaultHttpHeadersFactory validators) {
        this.nameValidator = validators.getNameValidator();
        this.valueValidator = validators.getValueValidator();
    }

    /**
     * A factory of these headers checking what {@code factory}'s headers check (for a decoder's
     * trailers: Netty's trailer factory also refuses the framing fields as trailer names), or
     * {@code factory} itself when it is not Netty's plain default kind.
     */
    public static HttpHeadersFactory like(HttpHeadersFactory factory) {
        if (!(factory instanceof DefaultHttpHeadersFactory validators) || validators.isCombiningHeaders()) {
            return factory;
        }
        return new HttpHeadersFactory() {
            @Override
            public HttpHeaders newHeaders() {
                return new CompactHttpHeaders(validators);
            }

            @Override
            public HttpHeaders newEmptyHeaders() {
                return new CompactHttpHeaders(validators);
            }
        };
    }

    // ---- reads

    private int indexOf(CharSequence name, int from) {
        int length = name.length();
        CharSequence[] f = fields;
        for (int i = from; i < size; i++) {
            CharSequence n = f[2 * i];
            if (n == name || n.length() == length && HeadBytes.sameIgnoringCase(n, name)) {
                return i;
            }
        }
        return -1;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : fields[2 * i + 1].toString();
    }

    /**
     * The first value of {@code name} as kept, without making a {@code String} of it (a view over
     * the received bytes stays one), or null.
     */
    public CharSequence getText(CharSequence name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : fields[2 * i + 1];
    }

    /** How many fields of {@code name} there are. */
    public int count(CharSequence name) {
        int n = 0;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            n++;
        }
        return n;
    }

    @Override
    public String get(CharSequence name, String defaultValue) {
        String value = get(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Integer getInt(CharSequence name) {
        String value = get(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer value = getInt(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Short getShort(CharSequence name) {
        String value = get(name);
        if (value == null) {
            return null;
        }
        try {
            return Short.parseShort(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short value = getShort(name);
        return value == null ? defaultValue : value;
    }

    /** The first value as an HTTP date, or null when absent or not a date (Netty throws then). */
    @Override
    public Long getTimeMillis(CharSequence name) {
        String value = get(name);
        Date date = value == null ? null : DateFormatter.parseHttpDate(value);
        return date == null ? null : date.getTime();
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long value = getTimeMillis(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return Collections.emptyList();
        }
        String first = fields[2 * i + 1].toString();
        i = indexOf(name, i + 1);
        if (i < 0) {
            return Collections.singletonList(first);
        }
        List<String> values = new ArrayList<>(4);
        values.add(first);
        do {
            values.add(fields[2 * i + 1].toString());
            i = indexOf(name, i + 1);
        } while (i >= 0);
        return values;
    }

    @Override
    public Iterator<String> valueStringIterator(CharSequence name) {
        return getAll(name).iterator();
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(fields[2 * i].toString(), fields[2 * i + 1].toString()));
        }
        return entries;
    }

    @Override
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public boolean contains(CharSequence name) {
        return indexOf(name, 0) >= 0;
    }

    /** Whether a field of {@code name} has exactly {@code value} (not split at commas). */
    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return contains((CharSequence) name, value, ignoreCase);
    }

    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            if (same(fields[2 * i + 1], 0, fields[2 * i + 1].length(), value, ignoreCase)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a field of {@code name} has {@code value} as one of its comma-separated members,
     * each trimmed of whitespace (as {@code HttpHeaders.containsValue}).
     */
    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            CharSequence v = fields[2 * i + 1];
            int length = v.length();
            int begin = 0;
            while (begin == 0 || begin < length) {
                int end = begin;
                while (end < length && v.charAt(end) != ',') {
                    end++;
                }
                int from = begin;
                int to = end;
                while (from < to && v.charAt(from) <= ' ') {
                    from++;
                }
                while (to > from && v.charAt(to - 1) <= ' ') {
                    to--;
                }
                if (same(v, from, to, value, ignoreCase)) {
                    return true;
                }
                begin = end + 1;
            }
        }
        return false;
    }

    private static boolean same(CharSequence text, int from, int to, CharSequence expected, boolean ignoreCase) {
        int length = expected.length();
        if (to - from != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char x = text.charAt(from + i);
            char y = expected.charAt(i);
            if (x != y && (!ignoreCase || lower(x) != lower(y))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Fields<>(true);
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return new Fields<>(false);
    }

    /** Entries over the fields in order; {@code remove} is not supported. */
    private final class Fields<T extends CharSequence> implements Iterator<Map.Entry<T, T>> {
        private final boolean strings;
        private int next;

        Fields(boolean strings) {
            this.strings = strings;
        }

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<T, T> next() {
            if (next >= size) {
                throw new NoSuchElementException();
            }
            CharSequence name = fields[2 * next];
            CharSequence value = fields[2 * next + 1];
            next++;
            return strings
                    ? (Map.Entry<T, T>) new AbstractMap.SimpleImmutableEntry<>(name.toString(), value.toString())
                    : (Map.Entry<T, T>) new AbstractMap.SimpleImmutableEntry<>(name, value);
        }
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    /** The name of the field at {@code index} (0 to {@link #size()} - 1), in the order received. */
    public CharSequence nameAt(int index) {
        if (index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return fields[2 * index];
    }

    /** The value of the field at {@code index} (0 to {@link #size()} - 1), in the order received. */
    public CharSequence valueAt(int index) {
        if (index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return fields[2 * index + 1];
    }

    /** Makes room for {@code count} fields in all, so that a parser adding them grows nothing. */
    public final void expectFields(int count) {
        if (fields.length < 2 * count) {
            fields = Arrays.copyOf(fields, 2 * count);
        }
    }

    @Override
    public int size() {
        return size;
    }

    /** The names in order of first appearance, each spelling once (as {@code DefaultHttpHeaders}). */
    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            names.add(fields[2 * i].toString());
        }
        return names;
    }

    // ---- writes

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        nameValidator.validateName(name);
        CharSequence text = text(value);
        validate(name, text);
        append(name, text);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        return add((CharSequence) name, values);
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        for (Object value : values) {
            add(name, value);
        }
        return this;
    }

    /**
     * Appends a field that a strict head parser has already checked as the validators would check
     * it (the name a token, RFC 9110 §5.6.2; the value without CR, LF, NUL or other control bytes,
     * RFC 9110 §5.5), kept as given: a view over the received bytes is not copied.
     */
    public final void addScanned(CharSequence name, CharSequence value) {
        append(name, value);
    }

    /**
     * Says that these fields are exactly the field lines of {@code head}, in order, as a strict
     * parser read and checked them: field {@code i}'s line (with its CRLF) is
     * {@code head[lineStarts[i], lineStarts[i + 1])}, and {@code lineStarts[size()]} is where the
     * empty line that ends the head starts (entries past that one mean nothing). What
     * {@link #lineStartsIn} gives until the fields change.
     */
    public final void scannedLines(byte[] head, int[] lineStarts) {
        if (lineStarts.length <= size) {
            throw new IllegalArgumentException(lineStarts.length + " line starts for " + size + " fields");
        }
        this.scannedHead = head;
        this.lineStarts = lineStarts;
    }

    /**
     * Where each field's line starts in {@code head} ({@link #scannedLines}), when these fields are
     * still exactly what a strict parser read from that very array; null otherwise (another head,
     * fields parsed by Netty's decoder, or changed since). Not to be written.
     */
    public final int[] lineStartsIn(byte[] head) {
        return head != null && head == scannedHead ? lineStarts : null;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        return add(name, Integer.toString(value));
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        return add(name, Short.toString(value));
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        nameValidator.validateName(name);
        CharSequence text = text(value);
        validate(name, text);
        removeAll(name);
        append(name, text);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        nameValidator.validateName(name);
        removeAll(name);
        for (Object value : values) {
            if (value == null) {
                break;
            }
            add(name, value);
        }
        return this;
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        return set(name, Integer.toString(value));
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        return set(name, Short.toString(value));
    }

    @Override
    public HttpHeaders remove(String name) {
        return remove((CharSequence) name);
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        removeAll(name);
        return this;
    }

    @Override
    public HttpHeaders clear() {
        changed();
        Arrays.fill(fields, 0, 2 * size, null);
        size = 0;
        return this;
    }

    private void validate(CharSequence name, CharSequence value) {
        try {
            valueValidator.validate(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Validation failed for header '" + name + "'", e);
        }
    }

    private void append(CharSequence name, CharSequence value) {
        changed();
        if (2 * size == fields.length) {
            fields = Arrays.copyOf(fields, Math.max(16, 2 * fields.length));
        }
        fields[2 * size] = name;
        fields[2 * size + 1] = value;
        size++;
    }

    /** Removes every field whose name is in {@code names}: one sweep of the fields. */
    public void removeAll(FieldNames names) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            CharSequence n = fields[2 * i];
            if (names.contains(n)) {
                continue;
            }
            fields[2 * kept] = n;
            fields[2 * kept + 1] = fields[2 * i + 1];
            kept++;
        }
        if (kept < size) {
            changed();
        }
        Arrays.fill(fields, 2 * kept, 2 * size, null);
        size = kept;
    }

    private void removeAll(CharSequence name) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            CharSequence n = fields[2 * i];
            if (n == name || n.length() == name.length() && HeadBytes.sameIgnoringCase(n, name)) {
                continue;
            }
            fields[2 * kept] = n;
            fields[2 * kept + 1] = fields[2 * i + 1];
            kept++;
        }
        if (kept < size) {
            changed();
        }
        Arrays.fill(fields, 2 * kept, 2 * size, null);
        size = kept;
    }

    /** The fields no longer say what a parser read: the line starts are forgotten. */
    private void changed() {
        scannedHead = null;
        lineStarts = null;
    }

    /** A value as {@code DefaultHttpHeaders} keeps it. */
    private static CharSequence text(Object value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (value instanceof CharSequence text) {
            return text;
        }
        if (value instanceof Date date) {
            return DateFormatter.format(date);
        }
        if (value instanceof Calendar calendar) {
            return DateFormatter.format(calendar.getTime());
        }
        return value.toString();
    }
}
