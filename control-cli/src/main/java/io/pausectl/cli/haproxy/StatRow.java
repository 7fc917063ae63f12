package io.pausectl.cli.haproxy;

import java.util.Map;

/**
 * One row of {@code show stat}: a frontend, a backend or a server, its fields keyed by the header's
 * column names ({@code pxname}, {@code svname}, {@code scur}, {@code slim}, ...). An empty field is
 * absent from the map.
 *
 * @param fields non-empty fields by column name
 */
public record StatRow(Map<String, String> fields) {
    public StatRow {
        fields = Map.copyOf(fields);
    }

    /** The field's text, or null when the column is missing or empty. */
    public String get(String column) {
        return fields.get(column);
    }

    /** The proxy's name. */
    public String pxname() {
        return get("pxname");
    }

    /** {@code FRONTEND}, {@code BACKEND}, or the server's name. */
    public String svname() {
        return get("svname");
    }

    public boolean isFrontend() {
        return "FRONTEND".equals(svname());
    }

    public boolean isBackend() {
        return "BACKEND".equals(svname());
    }

    /**
     * The field as a number, or {@code fallback} when it is empty.
     *
     * @throws IllegalStateException when the field is not a whole number
     */
    public long getLong(String column, long fallback) {
        String v = get(column);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("show stat column '" + column + "' of " + pxname() + "/" + svname()
                    + " is not a number: '" + v + "'", e);
        }
    }
}
