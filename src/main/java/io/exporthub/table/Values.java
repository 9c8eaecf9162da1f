package io.exporthub.table;

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
                    return t.matches("-?\\d+") ? Math.multiplyExact(Long.parseLong(t), 1000L) : parseDate(field, t, zone);
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

    /** What JDBC binds for a typed value. */
    public static Object toSql(Field field, Object value) {
        return value instanceof JsonNode node ? Json.write(node) : value;
    }

    /** Reads a column back into its typed form. */
    public static Object read(ResultSet rs, Field field) throws SQLException {
        String column = field.column();
        switch (field.type()) {
            case INTEGER:
            case DATE: {
                long v = rs.getLong(column);
                return rs.wasNull() ? null : v;
            }
            case NUMBER: {
                double v = rs.getDouble(column);
                return rs.wasNull() ? null : v;
            }
            case BOOLEAN: {
                boolean v = rs.getBoolean(column);
                return rs.wasNull() ? null : v;
            }
            case STRING:
            case REFERENCE:
                return rs.getString(column);
            default:
                String text = rs.getString(column);
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

    public static String iso(long epochMillis, ZoneId zone) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(epochMillis).atZone(zone).toOffsetDateTime());
    }
}
