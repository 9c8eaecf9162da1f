package io.exporthub.minapp;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.exporthub.api.ApiException;

/**
 * The MinApp query language, compiled into an SQL condition with bound values plus, for what SQL
 * cannot express on our columns ($regex, $all, $has_key, equality of JSON values...), a predicate
 * that the export applies to the streamed rows. Every operator is checked against the field's type
 * up front: what cannot be evaluated is a 400 naming it, before any job exists.
 */
public final class Where {

    /** {@code sql} (never empty) and its values; {@code residual} is null when SQL does all the work. */
    public record Compiled(String sql, List<Object> params, Predicate<Map<String, Object>> residual) {
        public static final Compiled ALL = new Compiled("1=1", List.of(), null);
    }

    private interface Cond {
        boolean sqlable();

        /** Appends the condition; only called when {@link #sqlable()}. */
        String sql(List<Object> params);

        boolean test(Map<String, Object> row);
    }

    private final TableDef table;
    private final ZoneId zone;

    private Where(TableDef table, ZoneId zone) {
        this.table = table;
        this.zone = zone;
    }

    public static Compiled compile(TableDef table, JsonNode where, ZoneId zone) {
        if (where == null || where.isNull()) {
            return Compiled.ALL;
        }
        if (!where.isObject()) {
            throw ApiException.badRequest("where: must be an object");
        }
        Cond root = new Where(table, zone).object(where, "where");
        // the top level is an AND: SQL takes what it can, the stream checks the rest
        List<Cond> parts = root instanceof Junction j && j.all ? j.parts : List.of(root);
        List<String> sql = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        List<Cond> residual = new ArrayList<>();
        for (Cond part : parts) {
            if (part.sqlable()) {
                sql.add("(" + part.sql(params) + ")");
            } else {
                residual.add(part);
            }
        }
        return new Compiled(sql.isEmpty() ? "1=1" : String.join(" AND ", sql), params,
                residual.isEmpty() ? null : row -> residual.stream().allMatch(c -> c.test(row)));
    }

    private Cond object(JsonNode node, String path) {
        List<Cond> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String at = path + "." + key;
            if (key.equals("$and") || key.equals("$or")) {
                if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                    throw ApiException.badRequest(at + ": must be a non-empty array of conditions");
                }
                List<Cond> children = new ArrayList<>();
                int i = 0;
                for (JsonNode child : e.getValue()) {
                    if (!child.isObject()) {
                        throw ApiException.badRequest(at + "[" + i + "]: must be an object");
                    }
                    children.add(object(child, at + "[" + i++ + "]"));
                }
                parts.add(new Junction(children, key.equals("$and")));
            } else if (key.startsWith("$")) {
                throw ApiException.badRequest(at + ": operator " + key + " is not supported here (expected a field name, $and or $or)");
            } else {
                Field field = table.field(key).orElseThrow(() -> ApiException.badRequest(at + ": unknown field '" + key + "'"));
                parts.add(field(field, e.getValue(), at));
            }
        }
        return parts.size() == 1 ? parts.get(0) : new Junction(parts, true);
    }

    private Cond field(Field field, JsonNode value, String path) {
        boolean operators = value.isObject() && value.size() > 0 && startsWithDollar(value, true);
        if (value.isObject() && value.size() > 0 && !operators && !startsWithDollar(value, false)) {
            throw ApiException.badRequest(path + ": mixes operators and plain keys");
        }
        if (!operators) {
            return value.isNull() ? new Leaf(field, "$isnull", true, path) : leaf(field, "$eq", value, null, path);
        }
        List<Cond> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("$options")) {
                if (!value.has("$regex")) {
                    throw ApiException.badRequest(path + ".$options: only goes with $regex");
                }
                continue;
            }
            parts.add(leaf(field, e.getKey(), e.getValue(), value.get("$options"), path + "." + e.getKey()));
        }
        return parts.size() == 1 ? parts.get(0) : new Junction(parts, true);
    }

    private static boolean startsWithDollar(JsonNode object, boolean all) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            boolean dollar = names.next().startsWith("$");
            if (all != dollar) {
                return false;
            }
        }
        return true;
    }

    private Cond leaf(Field field, String op, JsonNode value, JsonNode options, String path) {
        FieldType type = field.type();
        boolean scalar = !type.json();
        switch (op) {
            case "$eq", "$ne":
                if (value.isNull()) {
                    return new Leaf(field, "$isnull", op.equals("$eq"), path);
                }
                return new Leaf(field, op, convert(field, value, path), path);
            case "$lt", "$lte", "$gt", "$gte":
                if (!type.orderable() || type == FieldType.BOOLEAN) {
                    throw typeError(path, op, field);
                }
                return new Leaf(field, op, convert(field, value, path), path);
            case "$range":
                if (!type.orderable() || type == FieldType.BOOLEAN) {
                    throw typeError(path, op, field);
                }
                if (!value.isArray() || value.size() != 2) {
                    throw ApiException.badRequest(path + ": must be [low, high]");
                }
                return new Junction(List.of(new Leaf(field, "$gte", convert(field, value.get(0), path + "[0]"), path),
                        new Leaf(field, "$lte", convert(field, value.get(1), path + "[1]"), path)), true);
            case "$in", "$nin", "$all": {
                if (!value.isArray()) {
                    throw ApiException.badRequest(path + ": must be an array");
                }
                if (op.equals("$all") ? type != FieldType.ARRAY : !(scalar || type == FieldType.ARRAY)) {
                    throw typeError(path, op, field);
                }
                Field element = type == FieldType.ARRAY ? new Field(field.name(), elementType(field), null, false) : field;
                List<Object> values = new ArrayList<>();
                int i = 0;
                for (JsonNode v : value) {
                    values.add(element.type() == FieldType.STRING && !v.isTextual() ? convertLoose(v) : convert(element, v, path + "[" + i + "]"));
                    i++;
                }
                return new Leaf(field, op, values, path);
            }
            case "$contains", "$icontains":
                if (type == FieldType.ARRAY && op.equals("$contains")) {
                    Field element = new Field(field.name(), elementType(field), null, false);
                    return new Leaf(field, op, convert(element, value, path), path);
                }
                if (type != FieldType.STRING) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw ApiException.badRequest(path + ": must be a string");
                }
                return new Leaf(field, op, value.textValue(), path);
            case "$regex":
                if (type != FieldType.STRING) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw ApiException.badRequest(path + ": must be a string");
                }
                return new Leaf(field, op, regex(value.textValue(), options, path), path);
            case "$isnull", "$exists":
                if (!value.isBoolean()) {
                    throw ApiException.badRequest(path + ": must be true or false");
                }
                return new Leaf(field, "$isnull", op.equals("$isnull") == value.booleanValue(), path);
            case "$has_key":
                if (type != FieldType.OBJECT && type != FieldType.GEOJSON && type != FieldType.FILE) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw ApiException.badRequest(path + ": must be a string");
                }
                return new Leaf(field, op, value.textValue(), path);
            default:
                throw ApiException.badRequest(path + ": operator " + op + " is not supported (supported: $eq $ne $lt $lte $gt $gte "
                        + "$in $nin $contains $icontains $regex $isnull $exists $range $all $has_key $and $or)");
        }
    }

    private static FieldType elementType(Field field) {
        return field.itemsType() == null ? FieldType.STRING : field.itemsType();
    }

    private Object convert(Field field, JsonNode value, String path) {
        try {
            return Values.fromJson(field, value, zone);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(path + ": " + e.getMessage());
        }
    }

    /** An untyped array's items are compared as JSON values. */
    private static Object convertLoose(JsonNode v) {
        return v;
    }

    /** Longest $regex: the engine's work grows with the pattern's size times the value's length. */
    static final int MAX_REGEX = 1000;

    /**
     * RE2 syntax, matched in time linear in the value (no backtracking): a pattern such as
     * {@code .*a.*a.*b} cannot keep a job busy for minutes. Back-references and look-arounds, which
     * only a backtracking engine has, are a 400.
     */
    private static Pattern regex(String regex, JsonNode options, String path) {
        if (regex.length() > MAX_REGEX) {
            throw ApiException.badRequest(path + ": longer than " + MAX_REGEX + " characters");
        }
        int flags = 0;
        if (options != null && !options.isNull()) {
            if (!options.isTextual()) {
                throw ApiException.badRequest(path + ".$options: must be a string");
            }
            for (char c : options.textValue().toCharArray()) {
                flags |= switch (c) {
                    case 'i' -> Pattern.CASE_INSENSITIVE;
                    case 'm' -> Pattern.MULTILINE;
                    case 's' -> Pattern.DOTALL;
                    default -> throw ApiException.badRequest(path + ".$options: unknown option '" + c + "' (i, m, s)");
                };
            }
        }
        try {
            return Pattern.compile(regex, flags);
        } catch (PatternSyntaxException e) {
            throw ApiException.badRequest(path + ": not a valid regular expression: " + e.getDescription());
        }
    }

    private static ApiException typeError(String path, String op, Field field) {
        return ApiException.badRequest(path + ": operator " + op + " cannot be applied to " + field.name()
                + " (a " + field.type().id() + " field)");
    }

    /** $and (all parts hold) or $or (any part holds). */
    private static final class Junction implements Cond {
        final List<Cond> parts;
        final boolean all;

        Junction(List<Cond> parts, boolean all) {
            this.parts = parts;
            this.all = all;
        }

        public boolean sqlable() {
            return parts.stream().allMatch(Cond::sqlable);
        }

        public String sql(List<Object> params) {
            List<String> out = new ArrayList<>();
            parts.forEach(p -> out.add("(" + p.sql(params) + ")"));
            return String.join(all ? " AND " : " OR ", out);
        }

        public boolean test(Map<String, Object> row) {
            return all ? parts.stream().allMatch(p -> p.test(row)) : parts.stream().anyMatch(p -> p.test(row));
        }
    }

    /** One operator on one field. $ne and $nin match null values, as "not equal" reads. */
    private record Leaf(Field field, String op, Object value, String path) implements Cond {

        public boolean sqlable() {
            boolean scalar = !field.type().json();
            return switch (op) {
                case "$isnull" -> true;
                case "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin" -> scalar;
                case "$contains", "$icontains" -> field.type() == FieldType.STRING;
                default -> false;
            };
        }

        public String sql(List<Object> params) {
            String c = field.quoted();
            switch (op) {
                case "$isnull":
                    return c + ((Boolean) value ? " IS NULL" : " IS NOT NULL");
                case "$eq":
                    params.add(value);
                    return c + " = ?";
                case "$ne":
                    params.add(value);
                    return "(" + c + " <> ? OR " + c + " IS NULL)";
                case "$lt", "$lte", "$gt", "$gte":
                    params.add(value);
                    return c + " " + switch (op) {
                        case "$lt" -> "<";
                        case "$lte" -> "<=";
                        case "$gt" -> ">";
                        default -> ">=";
                    } + " ?";
                case "$in", "$nin": {
                    List<?> values = (List<?>) value;
                    if (values.isEmpty()) {
                        return op.equals("$in") ? "1=0" : "1=1";
                    }
                    params.addAll(values);
                    String marks = String.join(", ", java.util.Collections.nCopies(values.size(), "?"));
                    return op.equals("$in") ? c + " IN (" + marks + ")" : "(" + c + " NOT IN (" + marks + ") OR " + c + " IS NULL)";
                }
                case "$contains":
                    params.add(value);
                    return "LOCATE(?, " + c + ") > 0";
                case "$icontains":
                    params.add(((String) value).toLowerCase(Locale.ROOT));
                    return "LOCATE(?, LOWER(" + c + ")) > 0";
                default:
                    throw new IllegalStateException(op + " has no SQL form");
            }
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        public boolean test(Map<String, Object> row) {
            Object v = row.get(field.name());
            switch (op) {
                case "$isnull":
                    return (v == null) == (Boolean) value;
                case "$eq":
                    return v != null && Objects.equals(v, value);
                case "$ne":
                    return !Objects.equals(v, value);
                case "$lt", "$lte", "$gt", "$gte": {
                    if (v == null) {
                        return false;
                    }
                    int cmp = ((Comparable) v).compareTo(value);
                    return switch (op) {
                        case "$lt" -> cmp < 0;
                        case "$lte" -> cmp <= 0;
                        case "$gt" -> cmp > 0;
                        default -> cmp >= 0;
                    };
                }
                case "$in", "$nin": {
                    List<?> values = (List<?>) value;
                    boolean any;
                    if (field.type() == FieldType.ARRAY) {
                        any = v != null && elements((JsonNode) v).stream().anyMatch(e -> values.stream().anyMatch(x -> same(e, x)));
                    } else {
                        any = v != null && values.contains(v);
                    }
                    return op.equals("$in") == any;
                }
                case "$all": {
                    List<?> values = (List<?>) value;
                    if (v == null) {
                        return false;
                    }
                    List<JsonNode> elements = elements((JsonNode) v);
                    return values.stream().allMatch(x -> elements.stream().anyMatch(e -> same(e, x)));
                }
                case "$contains":
                    if (field.type() == FieldType.ARRAY) {
                        return v != null && elements((JsonNode) v).stream().anyMatch(e -> same(e, value));
                    }
                    return v != null && ((String) v).contains((String) value);
                case "$icontains":
                    return v != null && ((String) v).toLowerCase(Locale.ROOT).contains(((String) value).toLowerCase(Locale.ROOT));
                case "$regex":
                    return v != null && ((Pattern) value).matcher((String) v).find();
                case "$has_key":
                    return v instanceof JsonNode node && node.has((String) value);
                default:
                    return false;
            }
        }

        private static List<JsonNode> elements(JsonNode array) {
            List<JsonNode> out = new ArrayList<>();
            array.forEach(out::add);
            return out;
        }

        /** An array element against a query value converted by the item type. */
        private static boolean same(JsonNode element, Object x) {
            if (x instanceof JsonNode node) {
                return element.equals(node);
            }
            if (x instanceof String s) {
                return element.isTextual() && element.textValue().equals(s);
            }
            if (x instanceof Long l) {
                return element.isIntegralNumber() && element.longValue() == l;
            }
            if (x instanceof Double d) {
                return element.isNumber() && element.doubleValue() == d;
            }
            if (x instanceof Boolean b) {
                return element.isBoolean() && element.booleanValue() == b;
            }
            return false;
        }
    }
}
