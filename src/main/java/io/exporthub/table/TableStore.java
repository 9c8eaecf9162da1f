package io.exporthub.table;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.store.Database;
import io.exporthub.store.StoreException;

/**
 * User tables and their rows. Each table's rows live in a table of their own ({@code tbl_<id>}) with
 * one typed column per field ({@code f_<name>}), so that filters and orders are plain SQL on typed
 * values; names are validated on creation and always quoted, values always bound.
 */
public class TableStore {

    /** A sort key of an export: a field and its direction. */
    public record Order(Field field, boolean descending) {
    }

    /** One row to insert, with the line it came from. */
    public record NewRow(long line, Map<String, Object> values) {
    }

    private static final TypeReference<List<Map<String, Object>>> FIELDS = new TypeReference<>() {
    };
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PAGE = 2000;

    private final Database db;
    private final boolean mysql;

    public TableStore(Database db, String jdbcUrl) {
        this.db = db;
        this.mysql = !jdbcUrl.startsWith("jdbc:h2:");
    }

    /** Stores the table and makes its rows table; the fields are validated by the caller. */
    public TableDef create(long workspaceId, long userId, String name, List<Field> fields) {
        if (db.queryLong("SELECT COUNT(*) FROM user_tables WHERE workspace_id = ? AND name = ?", workspaceId, name) > 0) {
            throw ApiException.badRequest("name: a table named '" + name + "' exists already");
        }
        long now = System.currentTimeMillis();
        long id = db.insert("INSERT INTO user_tables (workspace_id, name, fields, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                workspaceId, name, Json.write(fields.stream().map(Field::describe).toList()), userId, now, now);
        TableDef table = new TableDef(id, workspaceId, name, fields, now, now);
        try {
            db.update(ddl(table));
        } catch (StoreException e) {
            db.update("DELETE FROM user_tables WHERE id = ?", id);
            throw e;
        }
        return table;
    }

    private String ddl(TableDef table) {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(table.rowsTable()).append(" (")
                .append("`id` CHAR(24) NOT NULL PRIMARY KEY, `created_at` BIGINT NOT NULL, `updated_at` BIGINT NOT NULL, ")
                .append("`created_by` BIGINT, `read_perm` ").append(jsonType()).append(", `write_perm` ").append(jsonType());
        for (Field field : table.fields()) {
            sql.append(", ").append(field.quoted()).append(' ').append(columnType(field.type()));
        }
        return sql.append(')').toString();
    }

    private String columnType(FieldType type) {
        return switch (type) {
            // binary collation on MySQL: = and ORDER BY on strings are exact, as on H2
            case STRING, REFERENCE -> mysql ? "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "VARCHAR";
            case INTEGER, DATE -> "BIGINT";
            case NUMBER -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            default -> jsonType();
        };
    }

    private String jsonType() {
        return mysql ? "LONGTEXT CHARACTER SET utf8mb4" : "CLOB";
    }

    public List<TableDef> list(long workspaceId) {
        return db.query("SELECT * FROM user_tables WHERE workspace_id = ? ORDER BY id", TableStore::table, workspaceId);
    }

    /** The table of this workspace, or 404: another workspace's table does not exist for the caller. */
    public TableDef get(long workspaceId, long tableId) {
        return find(workspaceId, tableId).orElseThrow(() -> ApiException.notFound("table_id: no table " + tableId));
    }

    public Optional<TableDef> find(long workspaceId, long tableId) {
        return db.queryOne("SELECT * FROM user_tables WHERE workspace_id = ? AND id = ?", TableStore::table, workspaceId, tableId);
    }

    public void delete(long workspaceId, long tableId) {
        TableDef table = get(workspaceId, tableId);
        db.update("DROP TABLE IF EXISTS " + table.rowsTable());
        db.update("DELETE FROM user_tables WHERE id = ?", table.id());
    }

    private static TableDef table(ResultSet rs) throws SQLException {
        List<Field> fields = new ArrayList<>();
        for (Map<String, Object> f : Json.MAPPER.convertValue(Json.read(rs.getString("fields")), FIELDS)) {
            Object items = f.get("items");
            FieldType itemsType = items instanceof Map<?, ?> m ? FieldType.of(String.valueOf(m.get("type"))).orElse(null) : null;
            fields.add(new Field((String) f.get("name"), FieldType.of((String) f.get("type")).orElseThrow(), itemsType, false));
        }
        return new TableDef(rs.getLong("id"), rs.getLong("workspace_id"), rs.getString("name"), fields,
                rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    /** A new record id: 24 hex characters, seconds first so that ids roughly follow creation. */
    public static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        long seconds = System.currentTimeMillis() / 1000;
        bytes[0] = (byte) (seconds >>> 24);
        bytes[1] = (byte) (seconds >>> 16);
        bytes[2] = (byte) (seconds >>> 8);
        bytes[3] = (byte) seconds;
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Inserts a batch in one statement batch; when the batch fails (a duplicate id...), row by row, so
     * that a bad row fails alone. Answers the reason of each row that failed, by line.
     */
    public Map<Long, String> insert(TableDef table, List<NewRow> rows) {
        Map<Long, String> failures = new LinkedHashMap<>();
        if (rows.isEmpty()) {
            return failures;
        }
        List<Field> fields = table.allFields();
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.rowsTable()).append(" (");
        StringBuilder marks = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(fields.get(i).quoted());
            marks.append(i == 0 ? "?" : ", ?");
        }
        sql.append(") VALUES (").append(marks).append(')');
        try {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    for (NewRow row : rows) {
                        bindRow(ps, fields, row);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        } catch (StoreException batchFailed) {
            for (NewRow row : rows) {
                try {
                    db.inTransaction(c -> {
                        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                            bindRow(ps, fields, row);
                            return ps.executeUpdate();
                        }
                    });
                } catch (StoreException e) {
                    failures.put(row.line(), "the database refused the row: " + rootMessage(e));
                }
            }
        }
        return failures;
    }

    private static void bindRow(PreparedStatement ps, List<Field> fields, NewRow row) throws SQLException {
        for (int i = 0; i < fields.size(); i++) {
            ps.setObject(i + 1, Values.toSql(fields.get(i), row.values().get(fields.get(i).name())));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String message = String.valueOf(t.getMessage());
        return message.length() > 300 ? message.substring(0, 300) : message;
    }

    public long count(TableDef table, String whereSql, List<Object> params) {
        return db.queryLong("SELECT COUNT(*) FROM " + table.rowsTable() + " WHERE " + whereSql, params.toArray());
    }

    /**
     * The rows matching {@code whereSql}, in the given order (ties by id), read a page at a time by
     * key: each page starts after the last row's sort key, so no page re-reads the ones before it and
     * nothing holds more than a page.
     */
    public Iterator<Map<String, Object>> scan(TableDef table, String whereSql, List<Object> params, List<Order> orders) {
        List<String> keys = new ArrayList<>();
        List<Boolean> descending = new ArrayList<>();
        for (Order order : orders) {
            Field f = order.field();
            if (f.builtIn() && !f.name().equals("created_by")) {
                keys.add(f.quoted());
                descending.add(order.descending());
            } else {
                // nullable: a null flag, then the value with nulls replaced, so that every key compares with =, <, >
                keys.add("CASE WHEN " + f.quoted() + " IS NULL THEN 0 ELSE 1 END");
                descending.add(order.descending());
                keys.add("COALESCE(" + f.quoted() + ", " + zero(f.type()) + ")");
                descending.add(order.descending());
            }
        }
        if (orders.stream().noneMatch(o -> o.field().name().equals("id"))) {
            keys.add("`id`");
            descending.add(false);
        }
        StringBuilder select = new StringBuilder("SELECT t.*");
        StringBuilder orderBy = new StringBuilder(" ORDER BY ");
        for (int i = 0; i < keys.size(); i++) {
            select.append(", ").append(keys.get(i)).append(" AS k").append(i);
            orderBy.append(i == 0 ? "" : ", ").append(keys.get(i)).append(descending.get(i) ? " DESC" : " ASC");
        }
        select.append(" FROM ").append(table.rowsTable()).append(" t WHERE (").append(whereSql).append(')');
        List<Field> fields = table.allFields();

        return new Iterator<>() {
            private Object[] lastKey;
            private List<Map<String, Object>> page = List.of();
            private int index;
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                if (index < page.size()) {
                    return true;
                }
                if (exhausted) {
                    return false;
                }
                List<Object> args = new ArrayList<>(params);
                StringBuilder sql = new StringBuilder(select);
                if (lastKey != null) {
                    sql.append(" AND (").append(after(keys, descending, lastKey, args)).append(')');
                }
                sql.append(orderBy).append(" LIMIT ").append(PAGE);
                List<Object[]> keyValues = new ArrayList<>();
                page = db.query(sql.toString(), rs -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (Field f : fields) {
                        row.put(f.name(), Values.read(rs, f));
                    }
                    Object[] key = new Object[keys.size()];
                    for (int i = 0; i < key.length; i++) {
                        key[i] = rs.getObject("k" + i);
                    }
                    keyValues.add(key);
                    return row;
                }, args.toArray());
                index = 0;
                exhausted = page.size() < PAGE;
                if (!page.isEmpty()) {
                    lastKey = keyValues.get(keyValues.size() - 1);
                }
                return !page.isEmpty();
            }

            @Override
            public Map<String, Object> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(index++);
            }
        };
    }

    /** (k0 > v0) OR (k0 = v0 AND k1 > v1) OR ...: the rows after the given key, in the order's directions. */
    private static String after(List<String> keys, List<Boolean> descending, Object[] last, List<Object> args) {
        StringBuilder or = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            or.append(i == 0 ? "(" : " OR (");
            for (int j = 0; j < i; j++) {
                or.append(keys.get(j)).append(" = ? AND ");
                args.add(last[j]);
            }
            or.append(keys.get(i)).append(descending.get(i) ? " < ?" : " > ?").append(')');
            args.add(last[i]);
        }
        return or.toString();
    }

    private static String zero(FieldType type) {
        return switch (type) {
            case STRING, REFERENCE -> "''";
            case BOOLEAN -> "FALSE";
            default -> "0";
        };
    }

    /** For tests and the walkthrough: how many rows a table holds. */
    public long size(TableDef table) {
        return count(table, "1=1", List.of());
    }

}
