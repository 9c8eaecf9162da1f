package io.exporthub.minapp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.Json;

/**
 * Field values between their outside forms (JSON, CSV cells) and their typed inside form: String,
 * Long (integer; a date as epoch milliseconds), Double, Boolean, JsonNode (array, object, geojson,
 * file). A value that does not fit its field is an IllegalArgumentException saying why.
 */
public final class Values {

    private Values() {
    }

    public static Object fromJson(Field field, JsonNode node, ZoneId zone) {
        if (node == null || node.isNull()) {
            return null;
        }
        FieldType type = field.type();
        switch (type) {
            case STRING:
                if (!node.isTextual()) {
                    throw mismatch(field, "a string");
                }
                return node.textValue();
            case INTEGER:
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw mismatch(field, "an integer");
                }
                return node.longValue();
            case NUMBER:
                if (!node.isNumber()) {
                    throw mismatch(field, "a number");
                }
                return node.doubleValue();
            case BOOLEAN:
                if (!node.isBoolean()) {
                    throw mismatch(field, "true or false");
                }
                return node.booleanValue();
            case DATE:
                if (node.isIntegralNumber()) {
                    return Math.multiplyExact(node.longValue(), 1000L);
                }
                if (!node.isTextual()) {
                    throw mismatch(field, "an ISO-8601 date-time or unix seconds");
                }
                return parseDate(field, node.textValue(), zone);
            case REFERENCE:
                if (node.isTextual() && !node.textValue().isEmpty()) {
                    return node.textValue();
                }
                if (node.isObject() && node.path("id").isTextual()) {
                    return node.path("id").textValue();
                }
                throw mismatch(field, "a record id or an object with an id");
            case ARRAY:
                if (!node.isArray()) {
                    throw mismatch(field, "an array");
                }
                checkItems(field, node);
                return node;
            default:
                if (!node.isObject()) {
                    throw mismatch(field, "an object");
                }
                return node;
        }
    }

    /** A CSV cell: empty means no value; JSON text for arrays and objects. */
    public static Object fromText(Field field, String cell, ZoneId zone) {
        if (cell == null || cell.isEmpty()) {
            return null;
        }
        try {
            switch (field.type()) {
                case STRING:
                case REFERENCE:
                    return cell;
                case INTEGER:
                    return Long.parseLong(cell.trim());
                case NUMBER:
                    double d = Double.parseDouble(cell.trim());
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        throw mismatch(field, "a finite number");
                    }
                    return d;
                case BOOLEAN:
                    if (cell.trim().equalsIgnoreCase("true")) {
                        return true;
                    }
                    if (cell.trim().equalsIgnoreCase("false")) {
                        return false;
                    }
                    throw mismatch(field, "true or false");
                case DATE:
                    String t = cell.trim();
                    return isInteger(t) ? Math.multiplyExact(Long.parseLong(t), 1000L) : parseDate(field, t, zone);
                default:
                    JsonNode node;
                    try {
                        node = Json.MAPPER.readTree(cell);
                    } catch (JsonProcessingException e) {
                        throw mismatch(field, "JSON text");
                    }
                    return fromJson(field, node, zone);
            }
        } catch (NumberFormatException e) {
            throw mismatch(field, field.type() == FieldType.INTEGER ? "an integer" : "a number");
        }
    }

    /** Whether the text is an optional minus and ASCII digits, as the regex {@code -?\\d+} says. */
    static boolean isInteger(String text) {
        int start = text.startsWith("-") ? 1 : 0;
        if (text.length() == start) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    static long parseDate(Field field, String text, ZoneId zone) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text).atStartOfDay(zone).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw mismatch(field, "an ISO-8601 date-time with offset (2024-01-31T08:00:00+08:00) or unix seconds");
            }
        }
    }

    private static void checkItems(Field field, JsonNode array) {
        FieldType items = field.itemsType();
        if (items == null) {
            return;
        }
        for (JsonNode item : array) {
            boolean ok = switch (items) {
                case STRING, DATE, REFERENCE -> item.isTextual();
                case INTEGER -> item.isIntegralNumber();
                case NUMBER -> item.isNumber();
                case BOOLEAN -> item.isBoolean();
                case OBJECT, GEOJSON, FILE -> item.isObject();
                case ARRAY -> item.isArray();
            };
            if (!ok) {
                throw new IllegalArgumentException(field.name() + ": every item must be of type " + items.id());
            }
        }
    }

    private static IllegalArgumentException mismatch(Field field, String expected) {
        return new IllegalArgumentException(field.name() + ": expected " + expected + " (" + field.type().id() + " field)");
    }

    /** What JDBC binds for a typed value: JSON as its text (text already is). */
    public static Object toSql(Field field, Object value) {
        return value instanceof JsonNode node ? Json.write(node) : value;
    }

    /** Reads the column at {@code index} back into the typed form of {@code field}. */
    public static Object read(ResultSet rs, int index, Field field) throws SQLException {
        switch (field.type()) {
            case INTEGER:
            case DATE: {
                long v = rs.getLong(index);
                return rs.wasNull() ? null : v;
            }
            case NUMBER: {
                double v = rs.getDouble(index);
                return rs.wasNull() ? null : v;
            }
            case BOOLEAN: {
                boolean v = rs.getBoolean(index);
                return rs.wasNull() ? null : v;
            }
            case STRING:
            case REFERENCE:
                return rs.getString(index);
            default:
                String text = rs.getString(index);
                return text == null ? null : Json.read(text);
        }
    }

    /** The exported form: JSON scalars, a date as ISO-8601, a converted timestamp as ISO-8601. */
    public static Object output(Field field, Object value, ZoneId zone, boolean convertTimestamp) {
        if (value == null) {
            return null;
        }
        if (field.type() == FieldType.DATE) {
            return iso((Long) value, zone);
        }
        if (convertTimestamp && value instanceof Long seconds) {
            return iso(seconds * 1000L, zone);
        }
        return value;
    }

    /**
     * The instant as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} writes it at its offset in the zone,
     * composed here for the years 0 to 9999 (the formatter's output, character for character), by the
     * formatter itself for the others.
     */
    public static String iso(long epochMillis, ZoneId zone) {
        long seconds = Math.floorDiv(epochMillis, 1000L);
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        int offset = zone.getRules().getOffset(Instant.ofEpochSecond(seconds)).getTotalSeconds();
        long local = seconds + offset;
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(local, 86400L));
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(epochMillis).atZone(zone).toOffsetDateTime());
        }
        int secondOfDay = (int) Math.floorMod(local, 86400L);
        StringBuilder out = new StringBuilder(32);
        digits(out, year, 4).append('-');
        digits(out, date.getMonthValue(), 2).append('-');
        digits(out, date.getDayOfMonth(), 2).append('T');
        digits(out, secondOfDay / 3600, 2).append(':');
        digits(out, secondOfDay / 60 % 60, 2).append(':');
        digits(out, secondOfDay % 60, 2);
        if (millis != 0) {
            // the fraction without its trailing zeros
            out.append('.');
            if (millis % 100 == 0) {
                out.append((char) ('0' + millis / 100));
            } else if (millis % 10 == 0) {
                digits(out, millis / 10, 2);
            } else {
                digits(out, millis, 3);
            }
        }
        if (offset == 0) {
            return out.append('Z').toString();
        }
        int abs = Math.abs(offset);
        out.append(offset < 0 ? '-' : '+');
        digits(out, abs / 3600, 2).append(':');
        digits(out, abs / 60 % 60, 2);
        if (abs % 60 != 0) {
            digits(out.append(':'), abs % 60, 2);
        }
        return out.toString();
    }

    private static StringBuilder digits(StringBuilder out, int value, int width) {
        for (int unit = width == 4 ? 1000 : width == 3 ? 100 : 10; unit > 0; unit /= 10) {
            out.append((char) ('0' + value / unit % 10));
        }
        return out;
    }
}
