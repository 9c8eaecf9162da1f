package io.exporthub.minapp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A field of a table: a user field (column {@code f_<name>}) or a built-in (column named as the
 * field). {@code itemsType} is the element type of an array, else null.
 */
public record Field(String name, FieldType type, FieldType itemsType, boolean builtIn) {

    public String column() {
        return builtIn ? name : "f_" + name;
    }

    /** The column, quoted; names are validated on table creation, so this is safe to splice. */
    public String quoted() {
        return "`" + column() + "`";
    }

    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("type", type.id());
        if (itemsType != null) {
            out.put("items", Map.of("type", itemsType.id()));
        }
        return out;
    }
}
