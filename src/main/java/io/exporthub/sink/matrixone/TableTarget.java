package io.exporthub.sink.matrixone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.store.Database;

/**
 * A MatrixOne target as a task stores it (in {@code Target.options}): the table, every column written
 * and where it comes from, and the duplicate strategy. Made from {@code mo_config} by {@link #parse}.
 *
 * <p>Besides the {@code export_column} mappings, two columns may be implied: {@code meta} when
 * {@code combine_column} lists columns but {@code export_column} does not map {@code meta}, and
 * {@code file_id} when the strategy (overwrite or skip) must find a file's rows but
 * {@code export_column} does not map {@code file_id}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TableTarget(
        @JsonProperty("database") String database,
        @JsonProperty("table") String table,
        @JsonProperty("new_table") boolean newTable,
        @JsonProperty("columns") List<Column> columns,
        @JsonProperty("combine") List<String> combine,
        @JsonProperty("strategy") int strategy,
        @JsonProperty("key_column") String keyColumn) {

    public static final int OVERWRITE = 1;
    public static final int SKIP = 2;
    public static final int KEEP = 3;

    /** Names of databases, tables and columns: validated here, then always backtick-quoted. */
    public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0," + (Database.MAX_IDENTIFIER - 1) + "}");

    private static final String NAME_RULE = "letters, digits and _, not starting with a digit, at most 64 characters";

    /** One written column: the source column, the table's column, and the request field that asked for it. */
    public record Column(@JsonProperty("source") String source, @JsonProperty("column") String column,
                         @JsonProperty("field") String field) {
        public SourceColumn sourceColumn() {
            return SourceColumn.of(source).orElseThrow();
        }
    }

    /** {@code overwrite}, {@code skip} or {@code keep}: what the delivery route chooses on. */
    @JsonIgnore
    public String strategyName() {
        return switch (strategy) {
            case OVERWRITE -> "overwrite";
            case SKIP -> "skip";
            default -> "keep";
        };
    }

    @JsonIgnore
    public String qualifiedName() {
        return database + "." + table;
    }

    public static TableTarget of(JsonNode options) {
        return Json.MAPPER.convertValue(options, TableTarget.class);
    }

    public JsonNode toJson() {
        return Json.MAPPER.valueToTree(this);
    }

    /** Validates a request's {@code mo_config}; every problem is a 400 that names the field. */
    public static TableTarget parse(RequestField section) {
        section.allowOnly("database_name", "table_name", "new_table", "column", "duplicated_strategy", "connector_id");
        String database = identifier(section.get("database_name"));
        String table = identifier(section.get("table_name"));
        boolean newTable = section.get("new_table").optionalBoolean(false);

        RequestField column = section.get("column").requiredObject();
        column.allowOnly("export_column", "combine_column");
        List<Column> columns = new ArrayList<>();
        // lower case: MySQL and MatrixOne column names are case-insensitive
        Map<String, Column> byName = new HashMap<>();
        for (RequestField mapping : column.get("export_column").requiredArray(1, 64)) {
            mapping.object();
            mapping.allowOnly("source_column", "mapping_column");
            SourceColumn source = sourceColumn(mapping.get("source_column"));
            RequestField targetField = mapping.get("mapping_column");
            String target = identifier(targetField);
            Column mapped = new Column(source.id(), target, targetField.path());
            Column taken = byName.putIfAbsent(target.toLowerCase(Locale.ROOT), mapped);
            if (taken != null) {
                throw targetField.invalid("column '" + target + "' is already the target of " + taken.source()
                        + " (" + taken.field() + ")");
            }
            columns.add(mapped);
        }

        RequestField combineField = column.get("combine_column");
        List<String> combine = new ArrayList<>();
        for (RequestField item : combineField.optionalArray(SourceColumn.values().length)) {
            SourceColumn source = sourceColumn(item);
            if (source == SourceColumn.META) {
                throw item.invalid("meta cannot be merged into itself");
            }
            if (combine.contains(source.id())) {
                throw item.invalid("'" + source.id() + "' is listed twice");
            }
            combine.add(source.id());
        }

        RequestField strategyField = section.get("duplicated_strategy");
        int strategy = strategyField.requiredInt();
        if (strategy < OVERWRITE || strategy > KEEP) {
            throw strategyField.invalid("must be 1 (overwrite), 2 (skip) or 3 (keep)");
        }

        if (!combine.isEmpty() && columns.stream().noneMatch(c -> c.source().equals(SourceColumn.META.id()))) {
            implied(columns, byName, SourceColumn.META, combineField,
                    "is merged into the column meta, but export_column maps %s to that column; map meta to a column of its own");
        }
        String keyColumn = columns.stream().filter(c -> c.source().equals(SourceColumn.FILE_ID.id())).map(Column::column)
                .findFirst().orElse(null);
        if (keyColumn == null && strategy != KEEP) {
            keyColumn = implied(columns, byName, SourceColumn.FILE_ID, strategyField,
                    "finds a file's rows by the column file_id, but export_column maps %s to that column; map file_id in export_column").column();
        }
        return new TableTarget(database, table, newTable, List.copyOf(columns), List.copyOf(combine), strategy, keyColumn);
    }

    /** Adds a column the request implies, named after its source, unless a mapping already took that name. */
    private static Column implied(List<Column> columns, Map<String, Column> byName, SourceColumn source,
                                  RequestField field, String conflict) {
        Column column = new Column(source.id(), source.id(), field.path());
        Column taken = byName.putIfAbsent(source.id(), column);
        if (taken != null) {
            throw field.invalid(String.format(conflict, taken.source()));
        }
        columns.add(column);
        return column;
    }

    private static SourceColumn sourceColumn(RequestField field) {
        String id = field.requiredText(64);
        return SourceColumn.of(id).orElseThrow(() -> field.invalid("'" + id + "' is not a source column (one of "
                + SourceColumn.ids() + ")"));
    }

    private static String identifier(RequestField field) {
        String name = field.requiredText(256);
        if (!IDENTIFIER.matcher(name).matches()) {
            throw field.invalid("'" + name + "' is not a valid name (" + NAME_RULE + ")");
        }
        return name;
    }
}
