package io.exporthub.minapp;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.exporthub.store.InvalidInputException;

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
            throw new InvalidInputException("where", "must be an object");
        }
        Condition root = new Where(table, zone).object(where, "where");
        // the top level is an AND: SQL takes what it can, the stream checks the rest
        List<Condition> parts = root instanceof Condition.Junction j && j.all ? j.parts : List.of(root);
        List<String> sql = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        List<Condition> residual = new ArrayList<>();
        for (Condition part : parts) {
            if (part.sqlable()) {
                sql.add("(" + part.sql(params) + ")");
            } else {
                residual.add(part);
            }
        }
        return new Compiled(sql.isEmpty() ? "1=1" : String.join(" AND ", sql), params,
                residual.isEmpty() ? null : row -> residual.stream().allMatch(c -> c.test(row)));
    }

    private Condition object(JsonNode node, String path) {
        if (node.isEmpty()) {
            throw new InvalidInputException(path, "must not be an empty condition");
        }
        List<Condition> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String at = path + "." + key;
            if (key.equals("$and") || key.equals("$or")) {
                if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                    throw new InvalidInputException(at, "must be a non-empty array of conditions");
                }
                List<Condition> children = new ArrayList<>();
                int i = 0;
                for (JsonNode child : e.getValue()) {
                    if (!child.isObject()) {
                        throw new InvalidInputException(at + "[" + i + "]", "must be an object");
                    }
                    children.add(object(child, at + "[" + i++ + "]"));
                }
                parts.add(new Condition.Junction(children, key.equals("$and")));
            } else if (key.startsWith("$")) {
                throw new InvalidInputException(at, "operator " + key + " is not supported here (expected a field name, $and or $or)");
            } else {
                Field field = table.field(key).orElseThrow(() -> new InvalidInputException(at, "unknown field '" + key + "'"));
                parts.add(field(field, e.getValue(), at));
            }
        }
        return parts.size() == 1 ? parts.get(0) : new Condition.Junction(parts, true);
    }

    private Condition field(Field field, JsonNode value, String path) {
        boolean operators = value.isObject() && value.size() > 0 && startsWithDollar(value, true);
        if (value.isObject() && value.size() > 0 && !operators && !startsWithDollar(value, false)) {
            throw new InvalidInputException(path, "mixes operators and plain keys");
        }
        if (!operators) {
            return value.isNull() ? new Condition.Leaf(field, "$isnull", true, path) : leaf(field, "$eq", value, null, path);
        }
        List<Condition> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = value.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("$options")) {
                if (!value.has("$regex")) {
                    throw new InvalidInputException(path + ".$options", "only goes with $regex");
                }
                continue;
            }
            parts.add(leaf(field, e.getKey(), e.getValue(), value.get("$options"), path + "." + e.getKey()));
        }
        return parts.size() == 1 ? parts.get(0) : new Condition.Junction(parts, true);
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

    private Condition leaf(Field field, String op, JsonNode value, JsonNode options, String path) {
        FieldType type = field.type();
        boolean scalar = !type.json();
        switch (op) {
            case "$eq", "$ne":
                if (value.isNull()) {
                    return new Condition.Leaf(field, "$isnull", op.equals("$eq"), path);
                }
                return new Condition.Leaf(field, op, convert(field, value, path), path);
            case "$lt", "$lte", "$gt", "$gte":
                if (!type.orderable() || type == FieldType.BOOLEAN) {
                    throw typeError(path, op, field);
                }
                return new Condition.Leaf(field, op, convert(field, value, path), path);
            case "$range":
                if (!type.orderable() || type == FieldType.BOOLEAN) {
                    throw typeError(path, op, field);
                }
                if (!value.isArray() || value.size() != 2) {
                    throw new InvalidInputException(path, "must be [low, high]");
                }
                return new Condition.Junction(List.of(new Condition.Leaf(field, "$gte", convert(field, value.get(0), path + "[0]"), path),
                        new Condition.Leaf(field, "$lte", convert(field, value.get(1), path + "[1]"), path)), true);
            case "$in", "$nin", "$all": {
                if (!value.isArray()) {
                    throw new InvalidInputException(path, "must be an array");
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
                return new Condition.Leaf(field, op, values, path);
            }
            case "$contains", "$icontains":
                if (type == FieldType.ARRAY && op.equals("$contains")) {
                    Field element = new Field(field.name(), elementType(field), null, false);
                    return new Condition.Leaf(field, op, convert(element, value, path), path);
                }
                if (type != FieldType.STRING) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw new InvalidInputException(path, "must be a string");
                }
                return new Condition.Leaf(field, op, value.textValue(), path);
            case "$regex":
                if (type != FieldType.STRING) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw new InvalidInputException(path, "must be a string");
                }
                return new Condition.Leaf(field, op, regex(value.textValue(), options, path), path);
            case "$isnull", "$exists":
                if (!value.isBoolean()) {
                    throw new InvalidInputException(path, "must be true or false");
                }
                return new Condition.Leaf(field, "$isnull", op.equals("$isnull") == value.booleanValue(), path);
            case "$has_key":
                if (type != FieldType.OBJECT && type != FieldType.GEOJSON && type != FieldType.FILE) {
                    throw typeError(path, op, field);
                }
                if (!value.isTextual()) {
                    throw new InvalidInputException(path, "must be a string");
                }
                return new Condition.Leaf(field, op, value.textValue(), path);
            default:
                throw new InvalidInputException(path, "operator " + op + " is not supported (supported: $eq $ne $lt $lte $gt $gte "
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
            throw new InvalidInputException(path, e.getMessage());
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
            throw new InvalidInputException(path, "longer than " + MAX_REGEX + " characters");
        }
        // path names the $regex; $options is its sibling
        String optionsPath = path.substring(0, path.lastIndexOf('.')) + ".$options";
        int flags = 0;
        if (options != null && !options.isNull()) {
            if (!options.isTextual()) {
                throw new InvalidInputException(optionsPath, "must be a string");
            }
            for (char c : options.textValue().toCharArray()) {
                flags |= switch (c) {
                    case 'i' -> Pattern.CASE_INSENSITIVE;
                    case 'm' -> Pattern.MULTILINE;
                    case 's' -> Pattern.DOTALL;
                    default -> throw new InvalidInputException(optionsPath, "unknown option '" + c + "' (i, m, s)");
                };
            }
        }
        try {
            return Pattern.compile(regex, flags);
        } catch (PatternSyntaxException e) {
            throw new InvalidInputException(path, "not a valid regular expression: " + e.getDescription());
        }
    }

    private static InvalidInputException typeError(String path, String op, Field field) {
        return new InvalidInputException(path, "operator " + op + " cannot be applied to " + field.name()
                + " (a " + field.type().id() + " field)");
    }
}
