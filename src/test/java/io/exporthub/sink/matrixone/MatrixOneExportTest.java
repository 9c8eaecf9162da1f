package io.exporthub.sink.matrixone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TargetDatabase;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processing results into a table through the HTTP API, on the local MariaDB with dialect mysql and
 * a user with a password: rows read back with JDBC, value by value.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MatrixOneExportTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

    @TempDir
    static Path home;

    TestDatabase store;
    TargetDatabase target;
    ExportHubService service;
    ApiClient api;
    long connector;

    @BeforeAll
    void start() throws Exception {
        store = TestDatabase.h2(home);
        target = TargetDatabase.create();
        Map<String, String> props = ExportHubService.defaults(home, store);
        props.put("exporthub.matrixone.connect-timeout", "1000");
        // small statements, so that a file's rows take several INSERTs
        props.put("exporthub.matrixone.batch-rows", "3");
        service = ExportHubService.start(home, props);
        api = service.api();
        connector = Tasks.createConnector(api, "mo", "matrixone", target.connectorConfig());
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        target.close();
        store.close();
    }

    // ---- processing results ----

    record Block(String id, int index, String type, String level, Integer page, String content, List<Double> embedding,
                 String imageUrl) {
    }

    /** Titles at two levels, text with quotes, backticks, backslashes and CJK, images with embeddings, tables without pages. */
    static List<Block> blocks(int file, String version) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Block("t0", 1, "title", "h1", 1, version + " Title of file " + file, null, null));
        int count = 2 + file % 6;
        for (int j = 1; j < count; j++) {
            int page = 1 + j / 3;
            blocks.add(switch (j % 5) {
                case 2 -> new Block("s" + j, j + 1, "title", "h2", page, version + " Section " + j, null, null);
                case 3 -> new Block("i" + j, j + 1, "image", null, page, version + " OCR " + j, List.of(0.5 * j, -1.25, 0.001 * file),
                        "images/f" + file + "-b" + j + ".png");
                case 4 -> new Block("x" + j, j + 1, "table", null, null, version + " | a | b |\n| 1 | 2 |", null, null);
                default -> new Block("b" + j, j + 1, "text", null, page,
                        version + " Paragraph " + j + " of " + file + ": 'single', \"double\", `tick`, back\\slash, 中文 ✓\nline two",
                        null, null);
            });
        }
        return blocks;
    }

    static void writeResult(Path volume, String relative, List<Block> blocks) throws Exception {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Block b : blocks) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", b.id());
            node.put("index", b.index());
            node.put("type", b.type());
            node.put("content", b.content());
            if (b.page() != null) {
                node.put("page_number", b.page());
            }
            if (b.level() != null) {
                node.put("level", b.level());
            }
            if (b.imageUrl() != null) {
                node.put("image_url", b.imageUrl());
            }
            if (b.embedding() != null) {
                node.put("embedding", b.embedding());
            }
            nodes.add(node);
        }
        Path file = volume.resolve(".parsed").resolve(relative + ".json");
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), Map.of("filename", Path.of(relative).getFileName().toString(), "filetype", "pdf",
                "block_count", blocks.size(), "blocks", nodes));
    }

    /** The nearest title above each block. */
    static Map<String, String> titles(List<Block> blocks) {
        Map<String, String> titles = new HashMap<>();
        String last = null;
        for (Block b : blocks) {
            titles.put(b.id(), last);
            if (b.type().equals("title")) {
                last = b.content();
            }
        }
        return titles;
    }

    static Map<String, Object> mapping(String source, String column) {
        return Map.of("source_column", source, "mapping_column", column);
    }

    static Map<String, Object> moConfig(String database, String table, boolean newTable, List<Map<String, Object>> exports,
                                        List<String> combine, int strategy) {
        Map<String, Object> mo = new LinkedHashMap<>();
        mo.put("database_name", database);
        mo.put("table_name", table);
        mo.put("new_table", newTable);
        mo.put("column", Map.of("export_column", exports, "combine_column", combine));
        mo.put("duplicated_strategy", strategy);
        return mo;
    }

    String export(String name, Map<String, Object> mo, boolean merge, List<Map<String, Object>> files) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mo_config", mo);
        config.put("merge_title_to_text", merge);
        return Tasks.createTask(api, Tasks.create(name, connector, "mo", 3, config, files));
    }

    ApiClient.Response tryExport(Map<String, Object> mo) {
        return api.post("/export/task/create", Tasks.create("refused", connector, "mo", 3, Map.of("mo_config", mo),
                List.of(Tasks.file("x", "any/x.pdf", false))));
    }

    JsonNode finished(String taskId) {
        return Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
    }

    static LocalDateTime utcNow() {
        return LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- the tests ----

    @Test
    void newTableOfThirtyFilesHoldsEveryBlockWithItsExactValues() throws Exception {
        Map<String, List<Block>> sources = new LinkedHashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String relative = "full/dir-" + (i % 3) + "/report-" + i + ".pdf";
            sources.put("file-" + i, blocks(i, "v1"));
            writeResult(service.volume(), relative, sources.get("file-" + i));
            files.add(Tasks.file("file-" + i, relative, false));
        }
        List<Map<String, Object>> exports = List.of(mapping("file_id", "doc_file"), mapping("file_name", "name"),
                mapping("block_id", "block_id"), mapping("block_no", "no"), mapping("block_type", "type"),
                mapping("block_level", "level"), mapping("page_no", "page"), mapping("content", "content"),
                mapping("title", "title"), mapping("embedding", "vec"), mapping("image_data", "image"),
                mapping("created_at", "created_at"), mapping("updated_at", "updated_at"), mapping("meta", "doc_meta"));
        List<String> combine = List.of("block_type", "page_no", "title", "embedding", "file_id", "created_at");

        LocalDateTime before = utcNow();
        String taskId = export("thirty", moConfig(target.name(), "blocks", true, exports, combine, 1), false, files);
        JsonNode info = finished(taskId);
        LocalDateTime after = utcNow();
        assertThat(info.path("status").asInt()).as("task %s", info).isEqualTo(2);
        assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(30);
        for (JsonNode file : Tasks.files(api, taskId)) {
            String id = file.path("id").asText();
            assertThat(file.path("details").asText()).isEqualTo("exported to matrixone table " + target.name() + ".blocks ("
                    + sources.get(id).size() + " rows)");
        }

        int blockCount = sources.values().stream().mapToInt(List::size).sum();
        assertThat(target.count("SELECT COUNT(*) FROM blocks")).isEqualTo(blockCount);
        int checked = 0;
        try (Connection c = target.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM blocks ORDER BY doc_file, no")) {
            Map<String, LocalDateTime> stampOfFile = new HashMap<>();
            while (rs.next()) {
                String fileId = rs.getString("doc_file");
                int index = rs.getInt("no");
                List<Block> blocks = sources.get(fileId);
                Block b = blocks.stream().filter(x -> x.index() == index).findFirst().orElseThrow();
                int fileNo = Integer.parseInt(fileId.substring("file-".length()));
                String where = fileId + " block " + index;
                assertThat(rs.getString("name")).as(where).isEqualTo("report-" + fileNo + ".pdf");
                assertThat(rs.getString("block_id")).as(where).isEqualTo(b.id());
                assertThat(rs.getString("type")).as(where).isEqualTo(b.type());
                assertThat(rs.getString("level")).as(where).isEqualTo(b.level());
                assertThat(rs.getObject("page", Integer.class)).as(where).isEqualTo(b.page());
                assertThat(rs.getString("content")).as(where).isEqualTo(b.content());
                assertThat(rs.getString("title")).as(where).isEqualTo(titles(blocks).get(b.id()));
                assertThat(rs.getString("image")).as(where).isEqualTo(b.imageUrl());
                assertThat(rs.getString("vec") == null ? null : JSON.readValue(rs.getString("vec"), List.class))
                        .as(where).isEqualTo(b.embedding());
                LocalDateTime created = rs.getObject("created_at", LocalDateTime.class);
                assertThat(created).as(where).isBetween(before, after);
                assertThat(rs.getObject("updated_at", LocalDateTime.class)).as(where).isEqualTo(created);
                // one stamp for all rows of a file: they were written together
                assertThat(stampOfFile.computeIfAbsent(fileId, f -> created)).as(where).isEqualTo(created);

                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("block_type", b.type());
                meta.put("page_no", b.page());
                meta.put("title", titles(blocks).get(b.id()));
                meta.put("embedding", b.embedding());
                meta.put("file_id", fileId);
                meta.put("created_at", STAMP.format(created));
                assertThat(JSON.readTree(rs.getString("doc_meta"))).as(where).isEqualTo(JSON.valueToTree(meta));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(blockCount);
    }

    @Test
    void overwriteReplacesSkipLeavesAndKeepAppends() throws Exception {
        List<Map<String, Object>> exports = List.of(mapping("file_id", "file_id"), mapping("block_id", "block_id"),
                mapping("content", "content"), mapping("created_at", "created_at"));
        List<Map<String, Object>> files = new ArrayList<>();
        int blocksPerRun = 0;
        for (int i = 0; i < 6; i++) {
            writeResult(service.volume(), "runs/doc-" + i + ".pdf", blocks(i, "v1"));
            files.add(Tasks.file("run-" + i, "runs/doc-" + i + ".pdf", false));
            blocksPerRun += blocks(i, "v1").size();
        }
        assertThat(finished(export("first", moConfig(target.name(), "runs", true, exports, List.of(), 1), false, files))
                .path("status").asInt()).isEqualTo(2);
        assertThat(target.count("SELECT COUNT(*) FROM runs")).isEqualTo(blocksPerRun);
        LocalDateTime firstWritten = latest("runs");

        // overwrite: the same count, every row fresh (the new content, written later)
        for (int i = 0; i < 6; i++) {
            writeResult(service.volume(), "runs/doc-" + i + ".pdf", blocks(i, "v2"));
        }
        String overwrite = export("overwrite", moConfig(target.name(), "runs", false, exports, List.of(), 1), false, files);
        assertThat(finished(overwrite).path("status").asInt()).isEqualTo(2);
        assertThat(target.count("SELECT COUNT(*) FROM runs")).isEqualTo(blocksPerRun);
        assertThat(target.count("SELECT COUNT(*) FROM runs WHERE content LIKE 'v2 %'")).isEqualTo(blocksPerRun);
        assertThat(target.count("SELECT COUNT(*) FROM runs WHERE created_at <= '"
                + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").format(firstWritten) + "'")).isZero();
        assertThat(Tasks.files(api, overwrite)).allSatisfy(f -> assertThat(f.path("details").asText())
                .matches("exported to matrixone table " + target.name() + "\\.runs \\(\\d+ rows, replacing \\d+\\)"));

        // skip: files already there are left alone and say so; a new file goes in
        for (int i = 0; i < 7; i++) {
            writeResult(service.volume(), "runs/doc-" + i + ".pdf", blocks(i, "v3"));
        }
        List<Map<String, Object>> withNew = new ArrayList<>(files);
        withNew.add(Tasks.file("run-6", "runs/doc-6.pdf", false));
        String skip = export("skip", moConfig(target.name(), "runs", false, exports, List.of(), 2), false, withNew);
        assertThat(finished(skip).path("status").asInt()).isEqualTo(2);
        int seven = blocksPerRun + blocks(6, "v3").size();
        assertThat(target.count("SELECT COUNT(*) FROM runs")).isEqualTo(seven);
        assertThat(target.count("SELECT COUNT(*) FROM runs WHERE content LIKE 'v2 %'")).isEqualTo(blocksPerRun);
        assertThat(target.count("SELECT COUNT(*) FROM runs WHERE content LIKE 'v3 %'")).isEqualTo(blocks(6, "v3").size());
        for (JsonNode file : Tasks.files(api, skip)) {
            String id = file.path("id").asText();
            assertThat(file.path("status").asInt()).isEqualTo(2);
            assertThat(file.path("details").asText()).isEqualTo(id.equals("run-6")
                    ? "exported to matrixone table " + target.name() + ".runs (" + blocks(6, "v3").size() + " rows)"
                    : "exported to matrixone table " + target.name() + ".runs (skipped: the table already holds rows of file '"
                            + id + "' (duplicated_strategy 2))");
        }

        // keep: plain insert, every row twice
        String keep = export("keep", moConfig(target.name(), "runs", false, exports, List.of(), 3), false, withNew);
        assertThat(finished(keep).path("status").asInt()).isEqualTo(2);
        assertThat(target.count("SELECT COUNT(*) FROM runs")).isEqualTo(2L * seven);
        assertThat(target.count("SELECT COUNT(*) FROM (SELECT file_id, block_id FROM runs GROUP BY file_id, block_id"
                + " HAVING COUNT(*) = 2) twice")).isEqualTo(seven);
    }

    private LocalDateTime latest(String table) throws Exception {
        try (Connection c = target.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MAX(created_at) FROM " + table)) {
            rs.next();
            return rs.getObject(1, LocalDateTime.class);
        }
    }

    @Test
    void theSourceDocumentsExampleWithMergedTitles() throws Exception {
        List<Block> blocks = List.of(
                new Block("h", 1, "title", "h1", 1, "Intro", null, null),
                new Block("a", 2, "text", null, 1, "Body text", null, null),
                new Block("s", 3, "title", "h2", 2, "Details", null, null),
                new Block("s2", 4, "title", "h3", 2, "More details", null, null),
                new Block("b", 5, "text", null, 2, "Deep text", null, null),
                new Block("end", 6, "title", "h2", 3, "Appendix", null, null));
        writeResult(service.volume(), "example/report.pdf", blocks);
        // file_id is not mapped: overwrite finds a file's rows by an implied file_id column; meta is implied too
        Map<String, Object> mo = moConfig(target.name(), "documents", true,
                List.of(mapping("content", "doc_content"), mapping("title", "doc_title")), List.of("content", "title"), 1);
        String taskId = export("example", mo, true, List.of(Tasks.file("file_101", "example/report.pdf", false)));
        assertThat(finished(taskId).path("status").asInt()).isEqualTo(2);

        List<String> columns = new ArrayList<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '"
                     + target.name() + "' AND TABLE_NAME = 'documents' ORDER BY ORDINAL_POSITION")) {
            while (rs.next()) {
                columns.add(rs.getString(1));
            }
        }
        assertThat(columns).containsExactly("doc_content", "doc_title", "meta", "file_id");

        List<List<String>> rows = new ArrayList<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT doc_content, doc_title, meta, file_id FROM documents")) {
            while (rs.next()) {
                rows.add(List.of(rs.getString(1), String.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4)));
            }
        }
        // each title merged into the block after it; the trailing title stays; titles are those above the block
        assertThat(rows).extracting(r -> r.get(0)).containsExactlyInAnyOrder(
                "Intro\n\nBody text", "Details\n\nMore details\n\nDeep text", "Appendix");
        Map<String, String> titleOf = new HashMap<>();
        rows.forEach(r -> titleOf.put(r.get(0), r.get(1)));
        assertThat(titleOf).containsEntry("Intro\n\nBody text", "Intro")
                .containsEntry("Details\n\nMore details\n\nDeep text", "More details")
                .containsEntry("Appendix", "More details");
        for (List<String> row : rows) {
            assertThat(row.get(3)).isEqualTo("file_101");
            assertThat(JSON.readTree(row.get(2))).isEqualTo(JSON.createObjectNode().put("content", row.get(0)).put("title", row.get(1)));
        }
    }

    @Test
    void anExistingTableIsCheckedWhenTheTaskIsCreated() throws Exception {
        target.asRoot("CREATE TABLE " + target.name() + ".existing (file_id VARCHAR(256), content TEXT)");
        target.asRoot("CREATE TABLE " + target.name() + ".nokey (content TEXT)");
        long tasksBefore = api.post("/export/task/list", "{}").data().path("total").asLong();
        List<Map<String, Object>> exports = List.of(mapping("file_id", "file_id"), mapping("content", "content"),
                mapping("title", "doc_title"));

        for (boolean newTable : new boolean[] {false, true}) {
            ApiClient.Response missing = tryExport(moConfig(target.name(), "existing", newTable, exports, List.of(), 1));
            assertThat(missing.status()).as("%s", missing).isEqualTo(400);
            assertThat(missing.msg()).isEqualTo("config.mo_config.column.export_column[2].mapping_column: table "
                    + target.name() + ".existing has no column 'doc_title' (mapped from title)");
        }
        ApiClient.Response meta = tryExport(moConfig(target.name(), "existing", false, exports.subList(0, 2), List.of("title"), 1));
        assertThat(meta.msg()).isEqualTo("config.mo_config.column.combine_column: table " + target.name()
                + ".existing has no column 'meta' (where combine_column is merged)");
        ApiClient.Response key = tryExport(moConfig(target.name(), "nokey", false, List.of(mapping("content", "content")), List.of(), 2));
        assertThat(key.msg()).isEqualTo("config.mo_config.duplicated_strategy: table " + target.name()
                + ".nokey has no column 'file_id' (needed by duplicated_strategy 2 to find a file's rows)");
        ApiClient.Response noTable = tryExport(moConfig(target.name(), "absent", false, exports, List.of(), 1));
        assertThat(noTable.msg()).isEqualTo("config.mo_config.table_name: table " + target.name()
                + ".absent does not exist; set new_table to true to create it");
        ApiClient.Response noDatabase = tryExport(moConfig("no_such_db_here", "absent", true, exports, List.of(), 1));
        assertThat(noDatabase.msg()).isEqualTo("config.mo_config.database_name: database 'no_such_db_here' does not exist"
                + " (or the connector's user cannot see it)");
        assertThat(api.post("/export/task/list", "{}").data().path("total").asLong()).isEqualTo(tasksBefore);

        // a table of the right shape takes rows: keep needs no file key
        writeResult(service.volume(), "existing/a.pdf", blocks(3, "v1"));
        String taskId = export("into existing", moConfig(target.name(), "nokey", false, List.of(mapping("content", "content")),
                List.of(), 3), false, List.of(Tasks.file("a", "existing/a.pdf", false)));
        assertThat(finished(taskId).path("status").asInt()).isEqualTo(2);
        assertThat(target.count("SELECT COUNT(*) FROM nokey")).isEqualTo(blocks(3, "v1").size());
    }

    @Test
    void injectionInNamesIsRefusedAndCreatesNothing() throws Exception {
        long tasksBefore = api.post("/export/task/list", "{}").data().path("total").asLong();
        long tablesBefore = target.count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + target.name() + "'");
        List<Map<String, Object>> exports = List.of(mapping("file_id", "file_id"), mapping("content", "content"));
        String drop = "x`; DROP DATABASE " + target.name() + "; CREATE TABLE pwned (a INT); --";
        record Attempt(Map<String, Object> mo, String field) {
        }
        for (Attempt attempt : List.of(
                new Attempt(moConfig(drop, "t", true, exports, List.of(), 1), "config.mo_config.database_name"),
                new Attempt(moConfig(target.name(), "t` (a INT); CREATE TABLE pwned (a INT); --", true, exports, List.of(), 1),
                        "config.mo_config.table_name"),
                new Attempt(moConfig(target.name(), "t", true, List.of(mapping("content", "c` TEXT); CREATE TABLE pwned (a INT); --")),
                        List.of(), 3), "config.mo_config.column.export_column[0].mapping_column"),
                new Attempt(moConfig(target.name(), "t", true, List.of(mapping("content` FROM x; --", "c")), List.of(), 3),
                        "config.mo_config.column.export_column[0].source_column"),
                new Attempt(moConfig(target.name(), "t", true, exports, List.of("title`, (SELECT 1)"), 1),
                        "config.mo_config.column.combine_column[0]"),
                new Attempt(moConfig(target.name(), "blocks\u0000", true, exports, List.of(), 1), "config.mo_config.table_name"),
                new Attempt(moConfig(target.name(), "naïve", true, exports, List.of(), 1), "config.mo_config.table_name"))) {
            ApiClient.Response response = tryExport(attempt.mo());
            assertThat(response.status()).as("%s", response).isEqualTo(400);
            assertThat(response.msg()).startsWith(attempt.field() + ": '");
        }
        assertThat(api.post("/export/task/list", "{}").data().path("total").asLong()).isEqualTo(tasksBefore);
        assertThat(target.count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + target.name() + "'"))
                .isEqualTo(tablesBefore);
        assertThat(target.count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 'pwned'")).isZero();
    }

    @Test
    void connectorSettingsAreChecked() {
        record Case(Map<String, Object> config, String message) {
        }
        for (Case c : List.of(
                new Case(Map.of("user", "u", "password", "p"), "config.url: is required when host is not given"),
                new Case(Map.of("url", "jdbc:postgresql://h/db", "user", "u", "password", "p"),
                        "config.url: must be a jdbc:mysql://host:port/database URL"),
                new Case(Map.of("url", "jdbc:mysql://h:6001/db?user=u&password=secret-in-url", "user", "u", "password", "p"),
                        "config.url: option 'user' is not allowed (allowed: characterEncoding, connectTimeout, connectionTimeZone, "
                                + "requireSSL, serverTimezone, socketTimeout, sslMode, tcpKeepAlive, tlsVersions, useSSL, useUnicode, "
                                + "verifyServerCertificate, zeroDateTimeBehavior)"),
                new Case(Map.of("url", "jdbc:mysql://u:secret-in-url@h:6001/db", "user", "u", "password", "p"),
                        "config.url: must not carry credentials: give user and password as settings"),
                new Case(Map.of("host", "h/db?allowLoadLocalInfile=true", "user", "u", "password", "p"),
                        "config.host: 'h/db?allowLoadLocalInfile=true' is not a host name or IP address"),
                new Case(Map.of("host", "h", "port", "70000", "user", "u", "password", "p"), "config.port: must be a port number (1-65535)"),
                new Case(Map.of("host", "h", "user", "u"), "config.password: is required for a matrixone connector"),
                new Case(Map.of("host", "h", "user", "u", "password", "p", "dialect", "postgres"), "config.dialect: must be matrixone or mysql"))) {
            ApiClient.Response response = api.post("/connector/create", Map.of("name", "bad", "kind", "matrixone", "config", c.config()));
            assertThat(response.status()).as("%s", response).isEqualTo(400);
            assertThat(response.msg()).isEqualTo(c.message());
            assertThat(response.body().toString()).doesNotContain("secret-in-url");
        }
        assertThat(api.post("/connector/info", Map.of("id", connector)).data().path("config").has("password")).isFalse();
    }

    @Test
    void rawFilesAndBrokenResultsFailWithAReason() throws Exception {
        Files.createDirectories(service.volume().resolve("raw"));
        Files.writeString(service.volume().resolve("raw/notes.txt"), "plain text");
        Path broken = service.volume().resolve(".parsed/raw/broken.pdf.json");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "{\"blocks\": [{\"id\": \"b1\", \"type\": \"text\", \"content\": \"x\", \"embedding\": \"0.1,0.2\"}]}");
        String taskId = export("raw", moConfig(target.name(), "rawtable", true, List.of(mapping("content", "content")), List.of(), 1),
                false, List.of(Tasks.file("raw", "raw/notes.txt", true), Tasks.file("broken", "raw/broken.pdf", false)));
        JsonNode info = finished(taskId);
        assertThat(info.path("status").asInt()).isEqualTo(3);
        Map<String, String> details = new HashMap<>();
        Tasks.files(api, taskId).forEach(f -> details.put(f.path("id").asText(), f.path("details").asText()));
        assertThat(details.get("raw")).isEqualTo("matrixone target 'mo' (127.0.0.1:3306): "
                + "only processing results can be exported to MatrixOne (is_raw must be false)");
        assertThat(details.get("broken")).isEqualTo("matrixone target 'mo' (127.0.0.1:3306): "
                + "block 1: embedding must be a non-empty array of numbers");
    }

    @Test
    void valuesTheTableRefusesFailAtOnceWithTheServersWords() throws Exception {
        target.asRoot("CREATE TABLE " + target.name() + ".narrow (file_id VARCHAR(256), content VARCHAR(5))");
        writeResult(service.volume(), "narrow/a.pdf", blocks(2, "v1"));
        String taskId = export("narrow", moConfig(target.name(), "narrow", false,
                List.of(mapping("file_id", "file_id"), mapping("content", "content")), List.of(), 1), false,
                List.of(Tasks.file("a", "narrow/a.pdf", false)));
        assertThat(finished(taskId).path("status").asInt()).isEqualTo(3);
        // not retried: no attempt count, and the transaction left nothing behind
        assertThat(Tasks.files(api, taskId).get(0).path("details").asText()).isEqualTo("matrixone target 'mo' (127.0.0.1:3306): "
                + "the database answered 1406 (22001): Data truncation: Data too long for column 'content' at row 1");
        assertThat(target.count("SELECT COUNT(*) FROM narrow")).isZero();
    }

    @Test
    void anUnreachableServerIsRetriedAndAWrongPasswordIsRefusedWithoutShowingIt() throws Exception {
        int closedPort = ExportHubService.freePort();
        long down = Tasks.createConnector(api, "down", "matrixone", Map.of("host", "127.0.0.1", "port", closedPort,
                "user", "nobody", "password", "unused-secret", "dialect", "mysql"));
        writeResult(service.volume(), "down/a.pdf", blocks(1, "v1"));
        // the table cannot be checked now: the task is accepted, and its file fails after the retries
        String taskId = Tasks.createTask(api, Tasks.create("down", down, "down", 3,
                Map.of("mo_config", moConfig("anydb", "t", true, List.of(mapping("content", "content")), List.of(), 1)),
                List.of(Tasks.file("a", "down/a.pdf", false))));
        assertThat(finished(taskId).path("status").asInt()).isEqualTo(3);
        assertThat(Tasks.files(api, taskId).get(0).path("details").asText())
                .startsWith("matrixone target 'down' (127.0.0.1:" + closedPort + "): cannot reach the database: ")
                .contains("Communications link failure")
                .endsWith("(gave up after 3 attempts)");

        Map<String, Object> wrong = new LinkedHashMap<>(target.connectorConfig());
        wrong.put("password", "wrong-secret-value");
        long badPassword = Tasks.createConnector(api, "badpw", "matrixone", wrong);
        ApiClient.Response refused = api.post("/export/task/create", Tasks.create("badpw", badPassword, "badpw", 3,
                Map.of("mo_config", moConfig(target.name(), "t", true, List.of(mapping("content", "content")), List.of(), 1)),
                List.of(Tasks.file("a", "down/a.pdf", false))));
        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        assertThat(refused.msg()).startsWith("config.mo_config: connector 'badpw': the database answered 1045 (28000): "
                + "Access denied for user '" + target.user() + "'");

        String everything = refused.body() + " " + api.post("/connector/list", "{}").body()
                + " " + api.post("/connector/info", Map.of("id", badPassword)).body()
                + " " + api.post("/connector/info", Map.of("id", connector)).body()
                + " " + Tasks.info(api, taskId) + " " + Tasks.files(api, taskId);
        assertThat(everything).doesNotContain("wrong-secret-value").doesNotContain("unused-secret")
                .doesNotContain(target.password());
        assertThat(api.post("/connector/info", Map.of("id", connector)).data().path("config").path("user").asText())
                .isEqualTo(target.user());
    }
}
