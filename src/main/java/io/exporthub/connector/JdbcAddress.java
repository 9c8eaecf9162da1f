package io.exporthub.connector;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a MySQL-protocol connector's server is, in validated parts: one host (a name or an IP
 * literal), a port, an optional database and a few allowed driver options with checked values.
 * The JDBC URL is built from these parts, never taken from a user: Connector/J reads options from
 * the host part ({@code (host=h,opt=v)}, {@code address=(...)}) and decodes percent-escapes in option
 * names, and such options override the connection properties that keep a hostile server from
 * reading files here or running code.
 */
public record JdbcAddress(String host, int port, String database, Map<String, String> options) {

    public static final String HOST = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9-]{1,63}){0,126}\\.?"
            + "|\\[[0-9A-Fa-f:.]{2,45}]";
    private static final Pattern URL = Pattern.compile(
            "jdbc:mysql://(?<host>" + HOST + ")(?::(?<port>[0-9]{1,5}))?(?:/(?<db>[^?]*))?(?:\\?(?<query>.*))?", Pattern.DOTALL);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");
    private static final String FLAG = "true|false";

    /** Driver options a user may give, each with the values it takes; every other option is refused. */
    static final Map<String, Pattern> ALLOWED_OPTIONS = Map.ofEntries(
            Map.entry("useSSL", Pattern.compile(FLAG)),
            Map.entry("requireSSL", Pattern.compile(FLAG)),
            Map.entry("verifyServerCertificate", Pattern.compile(FLAG)),
            Map.entry("sslMode", Pattern.compile("DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY")),
            Map.entry("tlsVersions", Pattern.compile("TLSv1\\.[23](?:,TLSv1\\.[23])?")),
            Map.entry("connectTimeout", Pattern.compile("[0-9]{1,9}")),
            Map.entry("socketTimeout", Pattern.compile("[0-9]{1,9}")),
            Map.entry("characterEncoding", Pattern.compile("[A-Za-z0-9_-]{1,32}")),
            Map.entry("useUnicode", Pattern.compile(FLAG)),
            Map.entry("connectionTimeZone", Pattern.compile("[A-Za-z0-9_/+:-]{1,64}")),
            Map.entry("serverTimezone", Pattern.compile("[A-Za-z0-9_/+:-]{1,64}")),
            Map.entry("tcpKeepAlive", Pattern.compile(FLAG)),
            Map.entry("zeroDateTimeBehavior", Pattern.compile("EXCEPTION|ROUND|CONVERT_TO_NULL")));

    /**
     * Driver settings no URL can change: nothing the server asks for is read from this host's files
     * (LOAD DATA LOCAL INFILE), nothing it sends is deserialised, no public key is fetched in clear.
     * They are given as connection properties, which win over the query of a URL without host options.
     */
    public static final Map<String, String> SAFETY = Map.of(
            "allowLoadLocalInfile", "false",
            "allowUrlInLocalInfile", "false",
            "autoDeserialize", "false",
            "allowPublicKeyRetrieval", "false",
            "allowMultiQueries", "false");

    /** The options a URL may give, in order, for messages and the settings' description. */
    static String allowedOptions() {
        return String.join(", ", ALLOWED_OPTIONS.keySet().stream().sorted().toList());
    }

    /** A refused address: which setting and why, for a 400 naming it. */
    public static final class Invalid extends RuntimeException {
        private final String setting;

        Invalid(String setting, String problem) {
            super(problem, null, false, false);
            this.setting = setting;
        }

        public String setting() {
            return setting;
        }
    }

    /** The connector's address: its {@code url} parsed strictly, or its {@code host} and {@code port}. */
    public static JdbcAddress of(Connector connector) {
        return of(connector.config().get("url"), connector.setting("host"), connector.setting("port"));
    }

    static JdbcAddress of(String url, String host, String port) {
        if (url != null && !url.isBlank()) {
            return parse(url);
        }
        if (host == null || !host.matches(HOST)) {
            throw new Invalid("host", "'" + host + "' is not a host name or IP address");
        }
        return new JdbcAddress(host, port("port", port), null, Map.of());
    }

    /**
     * A user's URL, {@code jdbc:mysql://host[:port][/database][?option=value&...]}, taken apart:
     * one host without options, no credentials, no percent-escapes, only allowed options.
     */
    public static JdbcAddress parse(String url) {
        if (!url.startsWith("jdbc:mysql://")) {
            throw new Invalid("url", "must be a jdbc:mysql://host:port/database URL");
        }
        if (url.indexOf('%') >= 0) {
            throw new Invalid("url", "must not contain percent-escapes");
        }
        String authority = url.substring("jdbc:mysql://".length()).split("[/?]", 2)[0];
        if (authority.contains("@")) {
            throw new Invalid("url", "must not carry credentials: give user and password as settings");
        }
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new Invalid("url", "must name one host (a host name or IP address) and a port, without options in the host part:"
                    + " jdbc:mysql://host:port/database");
        }
        String database = m.group("db");
        if (database != null && database.isEmpty()) {
            database = null;
        }
        if (database != null && !IDENTIFIER.matcher(database).matches()) {
            throw new Invalid("url", "the database must be a name of letters, digits, _ or $ (at most 64)");
        }
        Map<String, String> options = new LinkedHashMap<>();
        String query = m.group("query");
        if (query != null && !query.isEmpty()) {
            for (String option : query.split("&", -1)) {
                String[] pair = option.split("=", 2);
                String name = pair[0];
                Pattern allowed = ALLOWED_OPTIONS.get(name);
                if (allowed == null) {
                    throw new Invalid("url", "option '" + printable(name) + "' is not allowed (allowed: " + allowedOptions() + ")");
                }
                if (pair.length < 2 || !allowed.matcher(pair[1]).matches()) {
                    throw new Invalid("url", "option " + name + " must match " + allowed.pattern());
                }
                if (options.put(name, pair[1]) != null) {
                    throw new Invalid("url", "option " + name + " is given twice");
                }
            }
        }
        return new JdbcAddress(m.group("host"), port("url", Optional.ofNullable(m.group("port")).orElse("3306")), database,
                Map.copyOf(options));
    }

    private static int port(String setting, String port) {
        if (port == null || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new Invalid(setting, setting.equals("port") ? "must be a port number (1-65535)" : "the port must be a number (1-65535)");
        }
        return Integer.parseInt(port);
    }

    /** An option's name as the user wrote it, without characters a log or terminal would act on. */
    private static String printable(String name) {
        String shown = name.codePoints().limit(40)
                .collect(StringBuilder::new, (b, c) -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c), StringBuilder::append)
                .toString();
        return name.length() > 40 ? shown + "..." : shown;
    }

    /** The URL, with no options: they go as connection properties, see {@link #properties(Map)}. */
    public String url() {
        return "jdbc:mysql://" + host + ":" + port + "/" + (database == null ? "" : database);
    }

    /** The URL as the API shows it: the parts and the options a user gave. */
    public String shown() {
        StringBuilder url = new StringBuilder(url());
        char separator = '?';
        for (Map.Entry<String, String> option : new java.util.TreeMap<>(options).entrySet()) {
            url.append(separator).append(option.getKey()).append('=').append(option.getValue());
            separator = '&';
        }
        return url.toString();
    }

    /** Connection properties: the defaults, then the user's options, then {@link #SAFETY}, which nothing overrides. */
    public Map<String, String> properties(Map<String, String> defaults) {
        Map<String, String> properties = new LinkedHashMap<>(defaults);
        properties.putAll(options);
        properties.putAll(SAFETY);
        return properties;
    }
}
