package io.exporthub.minapp;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.ApiException;
import io.exporthub.api.RequestField;

/** An export's parameters, checked against the table: every mistake is a 400 naming the parameter. */
public record ExportRequest(String fileType, String mode, Where.Compiled where, List<Field> columns, List<String> headers,
                            List<TableStore.Order> orderBy, Set<String> timestampKeys) {

    public static final List<String> FILE_TYPES = List.of("csv", "json", "xlsx");

    public static ExportRequest parse(TableDef table, JsonNode json, ZoneId zone) {
        RequestField body = RequestField.root(json, "request body");
        String fileType = body.get("file_type").requiredText(8);
        if (!FILE_TYPES.contains(fileType)) {
            throw body.get("file_type").invalid("must be csv, json or xlsx");
        }
        String mode = body.get("mode").requiredText(8);
        if (!mode.equals("all") && !mode.equals("part")) {
            throw body.get("mode").invalid("must be all or part");
        }
        Where.Compiled where = Where.Compiled.ALL;
        if (mode.equals("part")) {
            RequestField w = body.get("where");
            if (!w.present() || !w.node().isObject() || w.node().isEmpty()) {
                throw w.invalid("is required (a non-empty object) when mode is part");
            }
            where = Where.compile(table, w.node(), zone);
        }

        List<Field> columns = new ArrayList<>();
        List<RequestField> include = body.get("include_keys").optionalArray(1000);
        if (include.isEmpty()) {
            columns.addAll(table.allFields());
        } else {
            Set<String> seen = new HashSet<>();
            for (RequestField key : include) {
                Field field = known(table, key);
                if (seen.add(field.name())) {
                    columns.add(field);
                }
            }
        }
        for (RequestField key : body.get("exclude_keys").optionalArray(1000)) {
            Field field = known(table, key);
            columns.removeIf(c -> c.name().equals(field.name()));
        }
        if (columns.isEmpty()) {
            throw body.get("exclude_keys").invalid("leaves no field to export");
        }

        List<TableStore.Order> orderBy = new ArrayList<>();
        for (RequestField key : body.get("order_by").optionalArray(100)) {
            String text = key.requiredText(130);
            boolean descending = text.startsWith("-");
            String name = descending ? text.substring(1) : text;
            Field field = table.field(name).orElseThrow(() -> key.invalid("unknown field '" + name + "'"));
            if (!field.type().orderable()) {
                throw key.invalid("cannot order by " + name + " (a " + field.type().id()
                        + " field): only boolean, date, integer, number and string fields");
            }
            orderBy.add(new TableStore.Order(field, descending));
        }

        List<String> headers = new ArrayList<>();
        RequestField customHeaders = body.get("csv_customize_headers");
        for (RequestField header : customHeaders.optionalArray(1000)) {
            headers.add(header.requiredText(256));
        }
        if (!headers.isEmpty() && headers.size() != columns.size()) {
            throw customHeaders.invalid("has " + headers.size() + " names for " + columns.size() + " exported columns");
        }

        Set<String> timestampKeys = new LinkedHashSet<>();
        for (RequestField key : body.get("timestamp_convert_keys").optionalArray(1000)) {
            Field field = known(table, key);
            if (field.type() != FieldType.INTEGER && field.type() != FieldType.DATE) {
                throw key.invalid(field.name() + " is a " + field.type().id() + " field, not unix seconds");
            }
            timestampKeys.add(field.name());
        }
        return new ExportRequest(fileType, mode, where, columns, headers, orderBy, timestampKeys);
    }

    private static Field known(TableDef table, RequestField key) {
        String name = key.requiredText(130);
        return table.field(name).orElseThrow(() -> key.invalid("unknown field '" + name + "'"));
    }

    /** The header row: the custom names, else the field names. */
    public List<String> headerRow() {
        return headers.isEmpty() ? columns.stream().map(Field::name).toList() : headers;
    }
}
