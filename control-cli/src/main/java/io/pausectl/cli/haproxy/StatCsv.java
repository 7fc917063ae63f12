package io.pausectl.cli.haproxy;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the CSV answer of {@code show stat}: a header line {@code # pxname,svname,...} (the
 * {@code # } is HAProxy's), then one record per frontend, backend and server. Columns are found by
 * their header names, never by position (they differ between versions); the trailing comma HAProxy
 * writes on every line makes an unnamed last column, which is dropped, as are empty fields. Quoted
 * fields (with commas or quotes inside, e.g. check descriptions) are handled by commons-csv.
 */
public final class StatCsv {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setIgnoreEmptyLines(true)
            .get();

    private StatCsv() {
    }

    /**
     * Parses {@code show stat} output.
     *
     * @throws IllegalArgumentException when there is no {@code # pxname,...} header
     */
    public static List<StatRow> parse(String csv) {
        String text = csv.strip();
        if (!text.startsWith("#")) {
            throw new IllegalArgumentException("not 'show stat' CSV (no '# pxname,...' header): "
                    + abbreviate(text));
        }
        text = text.substring(1);
        try (CSVParser parser = CSVParser.parse(new StringReader(text), FORMAT)) {
            List<String> header = null;
            List<StatRow> rows = new ArrayList<>();
            for (CSVRecord record : parser) {
                if (header == null) {
                    header = new ArrayList<>();
                    for (String name : record) {
                        header.add(name.strip());
                    }
                    if (!header.contains("pxname") || !header.contains("svname")) {
                        throw new IllegalArgumentException("'show stat' header lacks pxname/svname: " + header);
                    }
                    continue;
                }
                Map<String, String> fields = new HashMap<>();
                for (int i = 0; i < record.size() && i < header.size(); i++) {
                    String name = header.get(i);
                    String value = record.get(i);
                    if (!name.isEmpty() && !value.isEmpty()) {
                        fields.putIfAbsent(name, value);
                    }
                }
                rows.add(new StatRow(fields));
            }
            if (header == null) {
                throw new IllegalArgumentException("'show stat' answer is empty");
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
