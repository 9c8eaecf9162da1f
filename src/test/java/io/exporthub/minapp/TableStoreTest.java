package io.exporthub.minapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.exporthub.store.Database;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scans over many pages in every order, and batches with rows the database refuses, on H2 and on the local MariaDB. */
class TableStoreTest {

    static final int ROWS = 1_234;

    @TempDir
    Path home;

    record Setup(TestDatabase db, Database database, TableStore store, TableDef table) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            database.stop();
            db.close();
        }
    }

    Setup setup(String kind) {
        TestDatabase db = TestDatabase.of(kind, home);
        Database database = new Database(db.url(), db.properties().get("exporthub.db.user"), db.properties().get("exporthub.db.password"), 4);
        TableStore store = new TableStore(database, db.url()).pageRows(7, 50);
        TableDef table = store.create(1, 1, "t", List.of(new Field("s", FieldType.STRING, null, false),
                new Field("i", FieldType.INTEGER, null, false), new Field("n", FieldType.NUMBER, null, false),
                new Field("b", FieldType.BOOLEAN, null, false), new Field("tags", FieldType.ARRAY, FieldType.STRING, false)));
        return new Setup(db, database, store, table);
    }

    /** Row k in the order of allFields: id, s, i, n, b, tags, created_at, updated_at, created_by, read_perm, write_perm. */
    static Object[] row(int k) {
        return new Object[] {String.format("%024x", (k * 7919L) % 100_003), k % 9 == 0 ? null : "s" + (k % 31),
                k % 5 == 0 ? null : (long) (k % 17 - 8), k % 7 == 0 ? null : (k % 13) * 0.5, k % 4 == 0 ? null : k % 3 == 0,
                k % 6 == 0 ? null : "[\"t" + (k % 3) + "\"]", 1_700_000_000L + k % 11, 1_700_000_000L, (long) (k % 3), null, null};
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aScanReadsEveryRowInOrderAcrossPages(String kind) throws Exception {
        try (Setup s = setup(kind)) {
            TableStore.Loader loader = s.store().loader(s.table());
            List<Object[]> rows = new ArrayList<>();
            List<TableStore.NewRow> batch = new ArrayList<>();
            for (int k = 0; k < ROWS; k++) {
                rows.add(row(k));
                batch.add(new TableStore.NewRow(k + 2, row(k)));
            }
            assertThat(loader.insert(batch)).isEmpty();
            List<Field> fields = s.table().allFields();

            for (String orders : List.of("", "s", "-i", "n,-b", "b,s,-n", "-created_at,i", "created_by", "-id", "i,id")) {
                List<TableStore.Order> orderBy = new ArrayList<>();
                for (String o : orders.isEmpty() ? new String[0] : orders.split(",")) {
                    boolean descending = o.startsWith("-");
                    orderBy.add(new TableStore.Order(s.table().field(descending ? o.substring(1) : o).orElseThrow(), descending));
                }
                List<String> expected = rows.stream().sorted(comparator(fields, orderBy)).map(r -> (String) r[0]).toList();
                assertThat(ids(s.store().scan(s.table(), "1=1", List.of(), orderBy))).as(orders).isEqualTo(expected);
            }
            List<String> expected = rows.stream().filter(r -> r[2] != null && (Long) r[2] > 2)
                    .sorted(comparator(fields, List.of())).map(r -> (String) r[0]).toList();
            assertThat(ids(s.store().scan(s.table(), "`f_i` > ?", List.of(2L), List.of()))).isEqualTo(expected);

            try (TableStore.Scan scan = s.store().scan(s.table(), "1=1", List.of(), List.of())) {
                Object[] first = scan.next();
                assertThat(first).hasSize(fields.size());
                Object[] original = rows.stream().filter(r -> r[0].equals(first[0])).findFirst().orElseThrow();
                assertThat(first).isEqualTo(original);
            } // closed before the end: its thread stops
        }
    }

    static List<String> ids(TableStore.Scan scan) {
        List<String> ids = new ArrayList<>();
        try (scan) {
            scan.forEachRemaining(r -> ids.add((String) r[0]));
        }
        return ids;
    }

    /** The order of the SQL: nulls first ascending (last descending), then the values, ties by id. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Comparator<Object[]> comparator(List<Field> fields, List<TableStore.Order> orders) {
        Comparator<Object[]> all = (a, b) -> 0;
        boolean byId = false;
        for (TableStore.Order order : orders) {
            int index = fields.indexOf(order.field());
            byId |= order.field().name().equals("id");
            Function<Object[], Comparable> key = r -> (Comparable) r[index];
            Comparator<Object[]> one = Comparator.comparing(key, Comparator.nullsFirst(Comparator.naturalOrder()));
            all = all.thenComparing(order.descending() ? one.reversed() : one);
        }
        return byId ? all : all.thenComparing(r -> (String) r[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aRowTheDatabaseRefusesFailsAlone(String kind) throws Exception {
        try (Setup s = setup(kind)) {
            TableStore.Loader loader = s.store().loader(s.table());
            List<TableStore.NewRow> first = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                first.add(new TableStore.NewRow(k + 2, row(k)));
            }
            assertThat(loader.insert(first)).isEmpty();
            List<TableStore.NewRow> second = new ArrayList<>();
            for (int k = 10; k < 20; k++) {
                second.add(new TableStore.NewRow(k + 2, row(k)));
            }
            second.add(new TableStore.NewRow(30, row(3))); // an id of the first batch
            second.add(new TableStore.NewRow(31, row(15))); // an id of this one
            Map<Long, String> refused = loader.insert(second);
            assertThat(refused).containsOnlyKeys(30L, 31L);
            assertThat(refused.get(30L)).startsWith("the database refused the row: ").contains((String) row(3)[0]);
            assertThat(s.store().size(s.table())).isEqualTo(20);
            List<TableStore.NewRow> third = List.of(new TableStore.NewRow(40, row(40)));
            assertThat(loader.insert(third)).isEmpty();
            assertThat(s.store().size(s.table())).isEqualTo(21);
        }
    }

    /** Row k with text that a file of rows must escape: tabs, line ends, backslashes, a literal \N, quotes, non-Latin and astral characters. */
    static Object[] awkwardRow(int k) {
        Object[] row = row(k);
        row[1] = switch (k % 6) {
            case 0 -> "tab\there\nnew line\r\nand back\\slash";
            case 1 -> "\\N";
            case 2 -> "";
            case 3 -> "quote ' \" , comma; 汉字 \uD83D\uDE00";
            case 4 -> "nul\u0000char";
            default -> null;
        };
        row[5] = k % 2 == 0 ? "[\"a\\tb\",\"c\\\\d\"]" : row[5];
        return row;
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void rowsComeBackAsTheyWentIn(String kind) throws Exception {
        try (Setup s = setup(kind); TableStore.Loader loader = s.store().loader(s.table())) {
            long loadsBefore = kind.equals("mariadb") ? status(s, "Com_load") : 0;
            long insertsBefore = kind.equals("mariadb") ? status(s, "Com_insert") : 0;
            List<TableStore.NewRow> batch = new ArrayList<>();
            Map<String, Object[]> byId = new HashMap<>();
            for (int k = 0; k < 60; k++) {
                Object[] row = awkwardRow(k);
                batch.add(new TableStore.NewRow(k + 2, row));
                byId.put((String) row[0], row.clone());
            }
            assertThat(loader.insert(batch)).isEmpty();
            if (kind.equals("mariadb")) {
                assertThat(status(s, "Com_load")).as("the batch went in with LOAD DATA").isEqualTo(loadsBefore + 1);
                assertThat(status(s, "Com_insert")).as("and not as INSERTs").isEqualTo(insertsBefore);
            }
            try (TableStore.Scan scan = s.store().scan(s.table(), "1=1", List.of(), List.of())) {
                int read = 0;
                while (scan.hasNext()) {
                    Object[] row = scan.next();
                    assertThat(row).as("row %s", row[0]).isEqualTo(byId.get((String) row[0]));
                    read++;
                }
                assertThat(read).isEqualTo(60);
            }
        }
    }

    @Test
    void aStoreThatStopsTakingLoadDataStillGetsEveryRow() throws Exception {
        try (Setup s = setup("mariadb"); TableStore.Loader loader = s.store().loader(s.table())) {
            List<TableStore.NewRow> first = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                first.add(new TableStore.NewRow(k + 2, row(k)));
            }
            assertThat(loader.insert(first)).isEmpty();
            try {
                globalLocalInfile(s, false);
                List<TableStore.NewRow> second = new ArrayList<>();
                for (int k = 10; k < 20; k++) {
                    second.add(new TableStore.NewRow(k + 2, row(k)));
                }
                assertThat(loader.insert(second)).isEmpty();
                globalLocalInfile(s, true);
                long loadsBefore = status(s, "Com_load");
                assertThat(loader.insert(List.of(new TableStore.NewRow(30, row(30))))).isEmpty();
                assertThat(status(s, "Com_load")).as("no LOAD DATA once the store refused one").isEqualTo(loadsBefore);
            } finally {
                globalLocalInfile(s, true);
            }
            assertThat(s.store().size(s.table())).isEqualTo(21);
        }
    }

    /** A statement counter of the server, such as Com_load (all sessions: the tests run one at a time). */
    static long status(Setup s, String counter) throws SQLException {
        try (Connection c = s.db().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE '" + counter + "'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }

    static void globalLocalInfile(Setup s, boolean on) throws SQLException {
        try (Connection c = s.db().connect(); Statement st = c.createStatement()) {
            st.execute("SET GLOBAL local_infile = " + (on ? 1 : 0));
        }
    }
}
