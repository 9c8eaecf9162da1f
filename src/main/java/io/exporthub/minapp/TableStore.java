// Over 400 lines: the catalogue, the loader and the scan share one connection setup and server detection; splitting them (TableLoader, TableScan) is still to do.
package io.exporthub.minapp;

import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.mysql.cj.jdbc.JdbcConnection;
import io.exporthub.store.InvalidInputException;
import io.exporthub.store.NotFoundException;
import io.exporthub.api.Json;
import io.exporthub.store.Database;
import io.exporthub.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User tables and their rows. Each table's rows live in a table of their own ({@code tbl_<id>}) with
 * one typed column per field ({@code f_<name>}), so that filters and orders are plain SQL on typed
 * values; names are validated on creation and always quoted, values always bound.
 */
public class TableStore {

    /** A sort key of an export: a field and its direction. */
    public record Order(Field field, boolean descending) {
    }

    /**
     * One row to insert, with the line it came from: the values of {@link TableDef#allFields()} in that
     * order, as JDBC binds them (see {@link Values#toSql}).
     */
    public record NewRow(long line, Object[] values) {
    }

    private static final TypeReference<List<Map<String, Object>>> FIELDS = new TypeReference<>() {
    };
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(TableStore.class);

    private final Database db;
    private final boolean mysql;
    /** MySQL or MariaDB rather than MatrixOne: asked of the server once, by {@link #mysqlServer}. */
    private volatile Boolean mysqlServer;

    public TableStore(Database db, String jdbcUrl) {
        this.db = db;
        this.mysql = !jdbcUrl.startsWith("jdbc:h2:");
    }

    /** Stores the table and makes its rows table; the fields are validated by the caller. */
    public TableDef create(long workspaceId, long userId, String name, List<Field> fields) {
        if (db.queryLong("SELECT COUNT(*) FROM user_tables WHERE workspace_id = ? AND name = ?", workspaceId, name) > 0) {
            throw new InvalidInputException("name", "a table named '" + name + "' exists already");
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
        return find(workspaceId, tableId).orElseThrow(() -> new NotFoundException("table_id", "no table " + tableId));
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
        ByteBuffer random = RANDOM_BYTES.get();
        if (random.remaining() < Long.BYTES) {
            RANDOM.nextBytes(random.array());
            random.clear();
        }
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits((int) (System.currentTimeMillis() / 1000)) + hex.toHexDigits(random.getLong());
    }

    /** Random bytes of ids, drawn 4 KiB at a time: one call to the SecureRandom per 512 ids. */
    private static final ThreadLocal<ByteBuffer> RANDOM_BYTES = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4096).position(4096));

    /** Rows of one INSERT statement: no more, and about {@link #STATEMENT_BYTES} of values at most (one row may have more). */
    static final int STATEMENT_ROWS = 1000;
    static final long STATEMENT_BYTES = 1 << 20;

    /**
     * Inserts batches of rows into a table. A batch is one transaction of multi-row INSERT statements;
     * when it fails (a duplicate id...), it is rolled back and inserted row by row, each row its own
     * transaction, so that a bad row fails alone. Batches may go in from several threads at once.
     * <p>
     * On a MySQL or MariaDB store that allows {@code LOAD DATA LOCAL INFILE} (MatrixOne is left out:
     * its LOAD DATA differs), a batch first goes in the way the server loads rows fastest: written to a
     * file of the loader's own directory and loaded from there, on a connection of its own that may read
     * files of that directory only. LOCAL makes the server turn errors into warnings and go on, so a load
     * with any warning, or short of a row, is rolled back and the batch goes in as above. When a batch
     * the server would not load goes in whole as INSERTs, the store does not take LOAD DATA (turned off,
     * say): the loader stops trying it. Close the loader when done.
     */
    public Loader loader(TableDef table) {
        return new Loader(table);
    }

    /**
     * What a caller commits with its rows, in their own transaction (on whichever connection the rows go
     * in by): an import records how far through its file it is, so that a crash never leaves rows in
     * whose records a resumed import would read again.
     */
    public interface Checkpoint {
        /** Nothing to commit with the rows. */
        Checkpoint NONE = new Checkpoint() {
            @Override
            public void batchDone(Connection c) {
            }

            @Override
            public void rowDone(Connection c, int index, String refused) {
            }

            @Override
            public void committed() {
            }
        };

        /** Before the commit of the batch, or of its last part when it went in row by row: it is done. */
        void batchDone(Connection c) throws SQLException;

        /** Row by row: before the commit of row {@code index} of the batch, that it went in (refused null) or why not. */
        void rowDone(Connection c, int index, String refused) throws SQLException;

        /** The transaction of the last call committed. */
        void committed();
    }

    /** Rows made ready to go in by {@link Loader#stage}: the file they were written to, or null. */
    public record Staged(List<NewRow> rows, Path file) {
    }

    public final class Loader implements AutoCloseable {
        private final TableDef table;
        private final List<Field> fields;
        private final String insert;
        private final String marks;
        private final int rowsPerStatement;
        /** Null before the first batch and once LOAD DATA is off for this loader. */
        private BulkLoad bulk;
        private boolean bulkTried;

        private Loader(TableDef table) {
            this.table = table;
            this.fields = table.allFields();
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.rowsTable()).append(" (");
            StringBuilder row = new StringBuilder("(");
            for (int i = 0; i < fields.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(fields.get(i).quoted());
                row.append(i == 0 ? "?" : ", ?");
            }
            this.insert = sql.append(") VALUES ").toString();
            this.marks = row.append(')').toString();
            // at most 65,535 placeholders in a statement, as servers that prepare statements allow
            this.rowsPerStatement = Math.max(1, Math.min(STATEMENT_ROWS, 65_535 / fields.size()));
        }

        /** Inserts the rows; answers the reason of each row that failed, by line. */
        public Map<Long, String> insert(List<NewRow> rows) {
            return insert(stage(rows), Checkpoint.NONE);
        }

        /**
         * Makes the rows ready to go in: where batches are loaded from files, writes their file, so that
         * a caller can do that on its own thread while an earlier batch goes in. Insert each once.
         */
        public Staged stage(List<NewRow> rows) {
            BulkLoad load = rows.isEmpty() ? null : bulkLoad();
            Path file = null;
            if (load != null) {
                try {
                    file = load.write(rows);
                } catch (IOException e) {
                    LOG.warn("Table {}: could not write a batch to load ({}); it goes in as INSERTs", table.id(), e.getMessage());
                }
            }
            return new Staged(rows, file);
        }

        /**
         * Inserts staged rows, each transaction with its checkpoint; answers the reason of each row that
         * failed, by line.
         */
        public Map<Long, String> insert(Staged staged, Checkpoint checkpoint) {
            List<NewRow> rows = staged.rows();
            Map<Long, String> failures = new LinkedHashMap<>();
            BulkLoad load = null;
            if (staged.file() != null) {
                load = bulkLoad();
                boolean loaded = load != null && load.load(staged.file(), rows.size(), checkpoint);
                deleteQuietly(staged.file());
                if (loaded) {
                    return failures;
                }
            }
            try {
                db.inTransaction(c -> {
                    insertAll(c, rows);
                    checkpoint.batchDone(c);
                    return null;
                });
                checkpoint.committed();
                if (rows.isEmpty()) {
                    return failures;
                }
                if (load != null) {
                    LOG.warn("Table {}: the store did not load a batch it takes as INSERTs; importing with INSERTs only", table.id());
                    closeBulk();
                }
                return failures;
            } catch (StoreException batchFailed) {
                // row by row below
            }
            String one = sql(1);
            for (int r = 0; r < rows.size(); r++) {
                NewRow row = rows.get(r);
                int index = r;
                try {
                    db.inTransaction(c -> {
                        try (PreparedStatement ps = c.prepareStatement(one)) {
                            bind(ps, 1, row.values());
                            ps.executeUpdate();
                        }
                        checkpoint.rowDone(c, index, null);
                        return null;
                    });
                } catch (StoreException e) {
                    String reason = "the database refused the row: " + rootMessage(e);
                    failures.put(row.line(), reason);
                    db.inTransaction(c -> {
                        checkpoint.rowDone(c, index, reason);
                        return null;
                    });
                }
                checkpoint.committed();
            }
            db.inTransaction(c -> {
                checkpoint.batchDone(c);
                return null;
            });
            checkpoint.committed();
            return failures;
        }

        private synchronized BulkLoad bulkLoad() {
            if (!bulkTried) {
                bulkTried = true;
                if (localInfile()) {
                    try {
                        bulk = new BulkLoad(table, fields);
                    } catch (IOException | SQLException e) {
                        LOG.warn("Table {}: no LOAD DATA ({}); importing with INSERTs", table.id(), e.getMessage());
                    }
                }
            }
            return bulk;
        }

        private synchronized void closeBulk() {
            if (bulk != null) {
                bulk.close();
                bulk = null;
            }
        }

        @Override
        public void close() {
            closeBulk();
        }

        private void insertAll(Connection c, List<NewRow> rows) throws SQLException {
            Map<Integer, PreparedStatement> statements = new HashMap<>();
            try {
                int from = 0;
                while (from < rows.size()) {
                    int to = from;
                    long bytes = 0;
                    while (to < rows.size() && to - from < rowsPerStatement) {
                        bytes += bytes(rows.get(to).values());
                        if (to > from && bytes > STATEMENT_BYTES) {
                            break;
                        }
                        to++;
                    }
                    PreparedStatement ps = statements.get(to - from);
                    if (ps == null) {
                        ps = c.prepareStatement(sql(to - from));
                        statements.put(to - from, ps);
                    }
                    int index = 1;
                    for (int r = from; r < to; r++) {
                        index = bind(ps, index, rows.get(r).values());
                    }
                    ps.executeUpdate();
                    from = to;
                }
            } finally {
                for (PreparedStatement ps : statements.values()) {
                    ps.close();
                }
            }
        }

        private String sql(int rows) {
            StringBuilder sql = new StringBuilder(insert.length() + rows * (marks.length() + 2)).append(insert);
            for (int r = 0; r < rows; r++) {
                sql.append(r == 0 ? "" : ", ").append(marks);
            }
            return sql.toString();
        }

        private static long bytes(Object[] values) {
            long bytes = 0;
            for (Object value : values) {
                // at most 3 bytes a UTF-16 char, quoting included
                bytes += value instanceof String s ? 3L * s.length() + 3 : 24;
            }
            return bytes;
        }

        private int bind(PreparedStatement ps, int index, Object[] values) throws SQLException {
            for (int i = 0; i < values.length; i++) {
                Object value = values[i];
                if (value == null) {
                    ps.setNull(index++, sqlType(fields.get(i).type()));
                } else if (value instanceof String s) {
                    ps.setString(index++, s);
                } else if (value instanceof Long l) {
                    ps.setLong(index++, l);
                } else if (value instanceof Double d) {
                    ps.setDouble(index++, d);
                } else if (value instanceof Boolean b) {
                    ps.setBoolean(index++, b);
                } else {
                    ps.setObject(index++, value);
                }
            }
            return index;
        }
    }

    /**
     * Whether the store is MySQL or MariaDB: a MySQL-protocol server that is not MatrixOne. Asked once,
     * on the connection the caller holds (a second one from the pool could wait on callers like it).
     */
    private boolean mysqlServer(Connection c) throws SQLException {
        Boolean known = mysqlServer;
        if (known == null) {
            known = mysql && !c.getMetaData().getDatabaseProductVersion().toLowerCase(Locale.ROOT).contains("matrixone");
            mysqlServer = known;
        }
        return known;
    }

    /** Whether the store takes LOAD DATA LOCAL INFILE: MySQL or MariaDB with local_infile on. */
    private boolean localInfile() {
        if (!mysql) {
            return false;
        }
        try {
            return db.withConnection(c -> {
                if (!mysqlServer(c)) {
                    return false;
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@local_infile")) {
                    return rs.next() && rs.getBoolean(1);
                }
            });
        } catch (StoreException e) {
            return false;
        }
    }

    /**
     * Loads batches of rows with LOAD DATA LOCAL INFILE from a file in a directory of its own (owner
     * only), on a connection that may read files of that directory and no other. The file is in the
     * statement's default format: tab between fields, a line a row, backslash escapes, \N for null.
     */
    private final class BulkLoad implements AutoCloseable {
        private final Path dir;
        private final Connection connection;
        private final String into;
        private final AtomicLong files = new AtomicLong();

        BulkLoad(TableDef table, List<Field> fields) throws IOException, SQLException {
            this.dir = Files.createTempDirectory("exporthub-load-");
            try {
                this.connection = db.unpooled(Map.of("allowLoadLocalInfileInPath", dir.toString()));
                connection.setAutoCommit(false);
            } catch (SQLException e) {
                Files.deleteIfExists(dir);
                throw e;
            }
            StringBuilder into = new StringBuilder("' INTO TABLE ").append(table.rowsTable()).append(" CHARACTER SET utf8mb4 (");
            for (int i = 0; i < fields.size(); i++) {
                into.append(i == 0 ? "" : ", ").append(fields.get(i).quoted());
            }
            this.into = into.append(')').toString();
        }

        /**
         * Loads a file of rows in one transaction with the checkpoint; false, with nothing loaded, when the
         * server did not load every row cleanly.
         */
        synchronized boolean load(Path file, int rows, Checkpoint checkpoint) {
            String sql = "LOAD DATA LOCAL INFILE '" + file.toString().replace("\\", "\\\\").replace("'", "''") + into;
            try (Statement s = connection.createStatement()) {
                long loaded = s.executeLargeUpdate(sql);
                if (loaded == rows && s.getWarnings() == null) {
                    checkpoint.batchDone(connection);
                    connection.commit();
                    checkpoint.committed();
                    return true;
                }
                connection.rollback();
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the batch goes in as INSERTs on another connection either way
                }
            }
            return false;
        }

        /** Writes the rows to a new file of the directory; null when a value has no text form here. */
        Path write(List<NewRow> rows) throws IOException {
            Path file = dir.resolve("rows-" + files.incrementAndGet() + ".tsv");
            StringBuilder line = new StringBuilder(256);
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (NewRow row : rows) {
                    line.setLength(0);
                    Object[] values = row.values();
                    for (int i = 0; i < values.length; i++) {
                        if (i > 0) {
                            line.append('\t');
                        }
                        if (!appendValue(line, values[i])) {
                            out.close();
                            deleteQuietly(file);
                            return null;
                        }
                    }
                    out.append(line.append('\n'));
                }
            } catch (IOException e) {
                deleteQuietly(file);
                throw e;
            }
            return file;
        }

        private static boolean appendValue(StringBuilder line, Object value) {
            if (value == null) {
                line.append("\\N");
            } else if (value instanceof String s) {
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    switch (c) {
                        case '\\' -> line.append("\\\\");
                        case '\t' -> line.append("\\t");
                        case '\n' -> line.append("\\n");
                        case '\r' -> line.append("\\r");
                        case '\0' -> line.append("\\0");
                        default -> line.append(c);
                    }
                }
            } else if (value instanceof Boolean b) {
                line.append(b ? '1' : '0');
            } else if (value instanceof Long || value instanceof Integer || value instanceof Double) {
                line.append(value);
            } else {
                return false;
            }
            return true;
        }

        @Override
        public synchronized void close() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing was left uncommitted that should have been kept
            }
            try (Stream<Path> left = Files.list(dir)) {
                left.forEach(TableStore::deleteQuietly);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.warn("Could not delete {}: {}", dir, e.getMessage());
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", file, e.getMessage());
        }
    }

    private static int sqlType(FieldType type) {
        return switch (type) {
            case INTEGER, DATE -> Types.BIGINT;
            case NUMBER -> Types.DOUBLE;
            case BOOLEAN -> Types.BOOLEAN;
            default -> Types.VARCHAR;
        };
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
     * The rows of a scan, each the values of {@link TableDef#allFields()} in that order, typed as
     * {@link Values#read} reads them except that JSON fields are their stored text; close it when done.
     */
    public interface Scan extends Iterator<Object[]>, AutoCloseable {
        @Override
        void close();
    }

    /**
     * The rows matching {@code whereSql}, in the given order (ties by id), read a page at a time by
     * key: each page starts after the last row's sort key, so no page re-reads the ones before it and
     * nothing holds more than a few pages. A thread of the scan reads the next page while the caller
     * works through the current one; a page holds about {@link #PAGE_CHARS} characters of values
     * (between 500 and 10,000 rows), so that wide rows make shorter pages.
     */
    public Scan scan(TableDef table, String whereSql, List<Object> params, List<Order> orders) {
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
        List<Field> fields = table.allFields();
        // the columns in the order of the fields, then the keys: every value is read by its index
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < fields.size(); i++) {
            select.append(i == 0 ? "t." : ", t.").append(fields.get(i).quoted());
        }
        StringBuilder orderBy = new StringBuilder(" ORDER BY ");
        for (int i = 0; i < keys.size(); i++) {
            select.append(", ").append(keys.get(i)).append(" AS k").append(i);
            orderBy.append(i == 0 ? "" : ", ").append(keys.get(i)).append(descending.get(i) ? " DESC" : " ASC");
        }
        select.append(" FROM ").append(table.rowsTable()).append(" t WHERE (").append(whereSql).append(')');
        String first = select + orderBy.toString() + " LIMIT ";
        // every page after the first has the same SQL: only the key it starts after, bound, differs
        String next = select + " AND (" + after(keys, descending) + ")" + orderBy + " LIMIT ";
        return new PrefetchingScan(table.id(), fields, keys.size(), params, first, next);
    }

    static final long PAGE_CHARS = 2_000_000;
    private int pageMin = 500;
    private int pageMax = 10_000;

    /** Other bounds of the rows of a page, for tests that read many pages of few rows. */
    TableStore pageRows(int min, int max) {
        this.pageMin = min;
        this.pageMax = max;
        return this;
    }

    /** A scan whose thread reads the pages, each on the heels of the one before, at most one ahead of the caller. */
    private final class PrefetchingScan implements Scan {
        private static final Object END = new Object();

        private final List<Field> fields;
        private final int keyCount;
        private final List<Object> params;
        private final String firstSql;
        private final String nextSql;
        /** Pages read ahead: a List of rows, a RuntimeException, or END. */
        private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(1);
        private final Thread reader;
        private volatile boolean closed;
        private List<Object[]> page = List.of();
        private int index;
        private boolean ended;

        PrefetchingScan(long tableId, List<Field> fields, int keyCount, List<Object> params, String firstSql, String nextSql) {
            this.fields = fields;
            this.keyCount = keyCount;
            this.params = params;
            this.firstSql = firstSql;
            this.nextSql = nextSql;
            this.reader = new Thread(this::readAll, "table-scan-" + tableId);
            this.reader.setDaemon(true);
            this.reader.start();
        }

        private void readAll() {
            Object last;
            try {
                last = db.withConnection(this::readPages);
            } catch (RuntimeException e) {
                last = e;
            } catch (Error e) {
                last = new IllegalStateException("the table could not be read: " + e, e);
            }
            if (last != null) {
                hand(last);
            }
        }

        /** Reads every page into {@link #ready}; answers END, or null when the scan was closed. */
        private Object readPages(Connection c) throws SQLException {
            // MySQL and MariaDB send the rows of a statement prepared on the server in their binary form,
            // which both sides encode and decode with less work than text (MatrixOne: text, as ever)
            boolean binary = mysqlServer(c);
            Object[] lastKey = null;
            int limit = pageMin;
            while (!closed) {
                String sql = (lastKey == null ? firstSql : nextSql) + limit;
                List<Object[]> rows = new ArrayList<>(limit);
                long chars = 0;
                try (PreparedStatement ps = binary ? c.unwrap(JdbcConnection.class).serverPrepareStatement(sql) : c.prepareStatement(sql)) {
                    if (mysql) {
                        // Connector/J hands the rows over as they arrive instead of after the last: the page
                        // is read while the server still sends it (no server cursor: that is not useCursorFetch)
                        ps.setFetchSize(Integer.MIN_VALUE);
                    }
                    int p = 1;
                    for (Object param : params) {
                        ps.setObject(p++, param);
                    }
                    if (lastKey != null) {
                        for (int i = 0; i < lastKey.length; i++) {
                            for (int j = 0; j <= i; j++) {
                                ps.setObject(p++, lastKey[j]);
                            }
                        }
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Object[] row = new Object[fields.size()];
                            for (int i = 0; i < row.length; i++) {
                                Field f = fields.get(i);
                                if (f.type().json()) {
                                    String text = rs.getString(i + 1);
                                    chars += text == null ? 1 : text.length();
                                    row[i] = text;
                                } else {
                                    Object value = Values.read(rs, i + 1, f);
                                    chars += value instanceof String s ? s.length() : 8;
                                    row[i] = value;
                                }
                            }
                            rows.add(row);
                            if (rows.size() == limit) {
                                lastKey = new Object[keyCount];
                                for (int i = 0; i < keyCount; i++) {
                                    lastKey[i] = rs.getObject(row.length + 1 + i);
                                }
                            }
                        }
                    }
                }
                if (!rows.isEmpty() && !hand(rows)) {
                    return null;
                }
                if (rows.size() < limit) {
                    return END;
                }
                limit = (int) Math.max(pageMin, Math.min(pageMax, PAGE_CHARS * rows.size() / Math.max(1, chars)));
            }
            return null;
        }

        /** Hands a page (or the end, or a failure) to the caller; false when the scan was closed meanwhile. */
        private boolean hand(Object item) {
            try {
                while (!closed) {
                    if (ready.offer(item, 100, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        @Override
        public boolean hasNext() {
            while (index == page.size()) {
                if (ended) {
                    return false;
                }
                Object item;
                try {
                    item = ready.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while reading the table");
                }
                if (item == END) {
                    ended = true;
                    return false;
                }
                if (item instanceof RuntimeException e) {
                    ended = true;
                    throw e;
                }
                @SuppressWarnings("unchecked")
                List<Object[]> rows = (List<Object[]>) item;
                page = rows;
                index = 0;
            }
            return true;
        }

        @Override
        public Object[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Object[] row = page.get(index);
            page.set(index++, null); // done with: the page does not keep it
            return row;
        }

        @Override
        public void close() {
            closed = true;
            ready.clear();
        }
    }

    /**
     * (k0 > ?) OR (k0 = ? AND k1 > ?) OR ...: the rows after a key, in the order's directions; its
     * values are bound k0; k0, k1; k0, k1, k2...
     */
    private static String after(List<String> keys, List<Boolean> descending) {
        StringBuilder or = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            or.append(i == 0 ? "(" : " OR (");
            for (int j = 0; j < i; j++) {
                or.append(keys.get(j)).append(" = ? AND ");
            }
            or.append(keys.get(i)).append(descending.get(i) ? " < ?" : " > ?").append(')');
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
