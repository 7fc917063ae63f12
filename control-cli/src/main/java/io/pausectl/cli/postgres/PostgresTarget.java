package io.pausectl.cli.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where {@code pausectl run --postgres} asks about the migration's sessions: a libpq URI
 * ({@code postgresql://user:password@host:5432/db}, also {@code postgres://}) or a JDBC URL
 * ({@code jdbc:postgresql://host:5432/db?user=...}). The user and password may also come from
 * {@code PGUSER} and {@code PGPASSWORD}, as libpq takes them. Query parameters other than
 * {@code user} and {@code password} are passed to the driver (e.g. {@code sslmode=require}).
 *
 * @param jdbcUrl    {@code jdbc:postgresql://host:port/db}, without credentials
 * @param properties the driver's connection properties (user, password, the URI's parameters)
 * @param display    the URL with the password masked, for messages
 */
public record PostgresTarget(String jdbcUrl, Properties properties, String display) {

    /**
     * Parses {@code url}.
     *
     * @param env the environment, for {@code PGUSER}/{@code PGPASSWORD} when the URL has none
     * @throws IllegalArgumentException with one line saying what is wrong (never the password)
     */
    public static PostgresTarget parse(String url, Map<String, String> env) {
        String text = url.trim();
        String rest;
        if (text.startsWith("jdbc:postgresql://")) {
            rest = text.substring("jdbc:postgresql://".length());
        } else if (text.startsWith("postgresql://")) {
            rest = text.substring("postgresql://".length());
        } else if (text.startsWith("postgres://")) {
            rest = text.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("--postgres wants postgresql://user:password@host:port/database or"
                    + " jdbc:postgresql://host:port/database, not '" + mask(text) + "'");
        }
        URI uri;
        try {
            uri = new URI("postgresql://" + rest);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--postgres is not a valid URL ('" + mask(text) + "'): "
                    + e.getReason());
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("--postgres names no host ('" + mask(text) + "'): write"
                    + " postgresql://user:password@host:port/database");
        }
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? null : decode(uri.getPath().substring(1));
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                params.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        String user = params.remove("user");
        String password = params.remove("password");
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            if (colon >= 0) {
                password = decode(info.substring(colon + 1));
            }
        }
        if (user == null || user.isEmpty()) {
            user = env.get("PGUSER");
        }
        if (password == null) {
            password = env.get("PGPASSWORD");
        }
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException("--postgres names no user ('" + mask(text) + "'): write"
                    + " postgresql://user:password@host:port/database, or set PGUSER");
        }
        if (database == null) {
            database = env.getOrDefault("PGDATABASE", user);
        }
        Properties props = new Properties();
        params.forEach(props::setProperty);
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        String jdbc = "jdbc:postgresql://" + hostPort + "/" + database;
        String display = "postgresql://" + user + (password != null ? ":***" : "") + "@" + hostPort + "/" + database;
        return new PostgresTarget(jdbc, props, display);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with anything between {@code ://user:} and {@code @} replaced, for error messages. */
    private static String mask(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return display;
    }
}
