package io.exporthub.sink.matrixone;

import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every statement the MatrixOne target sends, in one place. Names are validated identifiers, always
 * backtick-quoted; values are always {@code ?} placeholders. What MatrixOne accepts shapes it: plain
 * multi-row INSERTs (no ON DUPLICATE KEY), DELETE by the file's key, no SET and no savepoints.
 */
public final class MatrixOneSql {

    private final Dialect dialect;

    public MatrixOneSql(Dialect dialect) {
        this.dialect = dialect;
    }

    public Dialect dialect() {
        return dialect;
    }

    public static String quote(String identifier) {
        if (!TableTarget.IDENTIFIER.matcher(identifier).matches()) {
            // parse() already refused it; this guards any other way in
            throw new IllegalArgumentException("not a valid SQL name: '" + identifier + "'");
        }
        return "`" + identifier + "`";
    }

    public static String table(TableTarget target) {
        return quote(target.database()) + "." + quote(target.table());
    }

    /** The table of a {@code new_table} target, with an index on the file key so that overwrite and skip stay fast. */
    public String createTable(TableTarget target, Integer embeddingDimension) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table(target)).append(" (");
        sql.append(target.columns().stream()
                .map(c -> quote(c.column()) + " " + c.sourceColumn().type(dialect, embeddingDimension))
                .collect(Collectors.joining(", ")));
        if (target.keyColumn() != null) {
            sql.append(", KEY `ix_file` (").append(quote(target.keyColumn())).append(")");
        }
        sql.append(")");
        if (dialect == Dialect.MYSQL) {
            // a server whose default is latin1 would refuse most text
            sql.append(" DEFAULT CHARSET=utf8mb4");
        }
        return sql.toString();
    }

    /** Binds schema and table; case-insensitive, as MatrixOne stores names in lower case. */
    public String tableColumns() {
        return "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                + " WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?)";
    }

    public String databaseExists() {
        return "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) = LOWER(?)";
    }

    /** Binds the file id. */
    public String deleteFile(TableTarget target) {
        return "DELETE FROM " + table(target) + " WHERE " + quote(target.keyColumn()) + " = ?";
    }

    /** Binds the file id. */
    public String fileExists(TableTarget target) {
        return "SELECT 1 FROM " + table(target) + " WHERE " + quote(target.keyColumn()) + " = ? LIMIT 1";
    }

    /** One multi-row INSERT of {@code rows} rows; binds the columns of each row in order. */
    public String insert(TableTarget target, int rows) {
        List<TableTarget.Column> columns = target.columns();
        String row = "(" + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
        return "INSERT INTO " + table(target) + " ("
                + columns.stream().map(c -> quote(c.column())).collect(Collectors.joining(", "))
                + ") VALUES " + String.join(", ", Collections.nCopies(rows, row));
    }
}
