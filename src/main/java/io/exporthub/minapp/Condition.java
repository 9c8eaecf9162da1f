package io.exporthub.minapp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;

/**
 * A condition of the MinApp query language as {@link Where} checked and built it: SQL with bound
 * values where our columns can answer it, else a test on each streamed row.
 */
interface Condition {

    boolean sqlable();

    /** Appends the condition; only called when {@link #sqlable()}. */
    String sql(List<Object> params);

    boolean test(Map<String, Object> row);

    /** $and (all parts hold) or $or (any part holds). */
    final class Junction implements Condition {
        final List<Condition> parts;
        final boolean all;

        Junction(List<Condition> parts, boolean all) {
            this.parts = parts;
            this.all = all;
        }

        public boolean sqlable() {
            return parts.stream().allMatch(Condition::sqlable);
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
    record Leaf(Field field, String op, Object value, String path) implements Condition {

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
