package io.exporthub.minapp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A user table: its id, name and fields; the built-ins come first in every row. */
public record TableDef(long id, long workspaceId, String name, List<Field> fields, long createdAt, long updatedAt) {

    public static final List<Field> BUILT_INS = List.of(
            new Field("id", FieldType.STRING, null, true),
            new Field("created_at", FieldType.INTEGER, null, true),
            new Field("updated_at", FieldType.INTEGER, null, true),
            new Field("created_by", FieldType.INTEGER, null, true),
            new Field("read_perm", FieldType.ARRAY, FieldType.STRING, true),
            new Field("write_perm", FieldType.ARRAY, FieldType.STRING, true));

    /** The physical table of the rows; the id is a number, so this is safe to splice. */
    public String rowsTable() {
        return "`tbl_" + id + "`";
    }

    /** Every field in export order: id, the schema's fields, then the other built-ins. */
    public List<Field> allFields() {
        List<Field> all = new ArrayList<>();
        all.add(BUILT_INS.get(0));
        all.addAll(fields);
        all.addAll(BUILT_INS.subList(1, BUILT_INS.size()));
        return all;
    }

    public Optional<Field> field(String name) {
        return allFields().stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("name", name);
        out.put("schema", Map.of("fields", fields.stream().map(Field::describe).toList()));
        out.put("created_at", createdAt / 1000);
        out.put("updated_at", updatedAt / 1000);
        return out;
    }
}
