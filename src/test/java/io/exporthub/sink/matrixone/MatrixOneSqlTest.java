package io.exporthub.sink.matrixone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorKind;
import io.exporthub.connector.JdbcAddress;
import org.junit.jupiter.api.Test;

/**
 * Pins the SQL each dialect sends, DDL and DML, so that any change to it is a visible, reviewed
 * change. The matrixone statements are what a MatrixOne server accepts: no ON DUPLICATE KEY, no SET,
 * no savepoints, plain multi-row INSERTs, names quoted and values bound.
 */
class MatrixOneSqlTest {

    /** Every source column mapped, meta from three of them, overwrite by doc_file. */
    static final String FULL = """
            {"database_name": "docs", "table_name": "blocks", "new_table": true,
             "column": {"export_column": [
               {"source_column": "file_id", "mapping_column": "doc_file"},
               {"source_column": "file_name", "mapping_column": "name"},
               {"source_column": "block_id", "mapping_column": "block_id"},
               {"source_column": "block_no", "mapping_column": "no"},
               {"source_column": "block_type", "mapping_column": "type"},
               {"source_column": "block_level", "mapping_column": "level"},
               {"source_column": "page_no", "mapping_column": "page"},
               {"source_column": "content", "mapping_column": "content"},
               {"source_column": "title", "mapping_column": "title"},
               {"source_column": "embedding", "mapping_column": "vec"},
               {"source_column": "image_data", "mapping_column": "image"},
               {"source_column": "created_at", "mapping_column": "created_at"},
               {"source_column": "updated_at", "mapping_column": "updated_at"},
               {"source_column": "meta", "mapping_column": "doc_meta"}],
              "combine_column": ["title", "page_no", "block_type"]},
             "duplicated_strategy": 1}""";

    /** The source document's example: two mappings, meta and file_id implied. */
    static final String EXAMPLE = """
            {"database_name": "test_db", "table_name": "documents", "new_table": true,
             "column": {"export_column": [
               {"source_column": "content", "mapping_column": "doc_content"},
               {"source_column": "title", "mapping_column": "doc_title"}],
              "combine_column": ["content", "title"]},
             "duplicated_strategy": 1}""";

    static TableTarget parse(String moConfig) {
        return TableTarget.parse(new RequestField(Json.parse(moConfig, "mo_config"), "config.mo_config"));
    }

    final MatrixOneSql matrixOne = new MatrixOneSql(Dialect.MATRIXONE);
    final MatrixOneSql mysql = new MatrixOneSql(Dialect.MYSQL);

    @Test
    void matrixOneDdl() {
        assertThat(matrixOne.createTable(parse(FULL), 1024)).isEqualTo("CREATE TABLE IF NOT EXISTS `docs`.`blocks` ("
                + "`doc_file` VARCHAR(256), `name` VARCHAR(1024), `block_id` VARCHAR(256), `no` INT, `type` VARCHAR(128), "
                + "`level` VARCHAR(128), `page` INT, `content` TEXT, `title` TEXT, `vec` vecf32(1024), `image` TEXT, "
                + "`created_at` DATETIME(3), `updated_at` DATETIME(3), `doc_meta` JSON, KEY `ix_file` (`doc_file`))");
        // no embedding in the file that creates the table: its dimension is unknown, the vectors are kept as text
        assertThat(matrixOne.createTable(parse(FULL), null)).contains("`vec` TEXT, ");
        assertThat(matrixOne.createTable(parse(EXAMPLE), null)).isEqualTo("CREATE TABLE IF NOT EXISTS `test_db`.`documents` ("
                + "`doc_content` TEXT, `doc_title` TEXT, `meta` JSON, `file_id` VARCHAR(256), KEY `ix_file` (`file_id`))");
    }

    @Test
    void mysqlDdl() {
        assertThat(mysql.createTable(parse(FULL), 1024)).isEqualTo("CREATE TABLE IF NOT EXISTS `docs`.`blocks` ("
                + "`doc_file` VARCHAR(256), `name` VARCHAR(1024), `block_id` VARCHAR(256), `no` INT, `type` VARCHAR(128), "
                + "`level` VARCHAR(128), `page` INT, `content` LONGTEXT, `title` LONGTEXT, `vec` JSON, `image` LONGTEXT, "
                + "`created_at` DATETIME(3), `updated_at` DATETIME(3), `doc_meta` JSON, KEY `ix_file` (`doc_file`))"
                + " DEFAULT CHARSET=utf8mb4");
        // keep needs no key: no index, no implied file_id column
        assertThat(mysql.createTable(parse(EXAMPLE.replace("\"duplicated_strategy\": 1", "\"duplicated_strategy\": 3")), null))
                .isEqualTo("CREATE TABLE IF NOT EXISTS `test_db`.`documents` (`doc_content` LONGTEXT, `doc_title` LONGTEXT, "
                        + "`meta` JSON) DEFAULT CHARSET=utf8mb4");
    }

    @Test
    void dmlIsTheSameInBothDialects() {
        for (MatrixOneSql sql : new MatrixOneSql[] {matrixOne, mysql}) {
            TableTarget example = parse(EXAMPLE);
            assertThat(sql.insert(example, 1)).isEqualTo(
                    "INSERT INTO `test_db`.`documents` (`doc_content`, `doc_title`, `meta`, `file_id`) VALUES (?, ?, ?, ?)");
            assertThat(sql.insert(example, 3)).isEqualTo("INSERT INTO `test_db`.`documents` (`doc_content`, `doc_title`, `meta`, "
                    + "`file_id`) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)");
            assertThat(sql.deleteFile(example)).isEqualTo("DELETE FROM `test_db`.`documents` WHERE `file_id` = ?");
            assertThat(sql.fileExists(example)).isEqualTo("SELECT 1 FROM `test_db`.`documents` WHERE `file_id` = ? LIMIT 1");
            assertThat(sql.deleteFile(parse(FULL))).isEqualTo("DELETE FROM `docs`.`blocks` WHERE `doc_file` = ?");
            assertThat(sql.tableColumns()).isEqualTo("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                    + " WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?)");
            assertThat(sql.databaseExists()).isEqualTo(
                    "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LOWER(SCHEMA_NAME) = LOWER(?)");
        }
    }

    @Test
    void driverSettingsAddWhatMatrixOneNeedsUnderTheConnectorsOptionsAndSafetyOverAll() {
        Connector byHost = new Connector(1, 1, "mo", ConnectorKind.MATRIXONE, Map.of("host", "mo.example", "user", "u"), 0);
        JdbcAddress host = JdbcAddress.of(byHost);
        assertThat(host.url()).isEqualTo("jdbc:mysql://mo.example:6001/");
        assertThat(MatrixOneConnections.driverProperties(host, 5000, 300000)).containsEntry("connectTimeout", "5000")
                .containsEntry("useServerPrepStmts", "false").containsEntry("allowLoadLocalInfile", "false")
                .containsEntry("autoDeserialize", "false").doesNotContainKey("allowLoadLocalInfileInPath");
        Connector byUrl = new Connector(2, 1, "my", ConnectorKind.MATRIXONE,
                Map.of("url", "jdbc:mysql://db:3306/app?sslMode=REQUIRED&socketTimeout=0", "user", "u", "dialect", "mysql"), 0);
        JdbcAddress url = JdbcAddress.of(byUrl);
        assertThat(url.url()).isEqualTo("jdbc:mysql://db:3306/app");
        assertThat(MatrixOneConnections.driverProperties(url, 5000, 300000)).containsEntry("sslMode", "REQUIRED")
                .containsEntry("socketTimeout", "0").containsEntry("connectTimeout", "5000").containsEntry("allowUrlInLocalInfile", "false");
    }

    @Test
    void namesAreValidatedBeforeAnySql() {
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"test_db\"", "\"test_db`; DROP DATABASE mysql; --\"")))
                .isInstanceOf(ApiException.class)
                .hasMessage("config.mo_config.database_name: 'test_db`; DROP DATABASE mysql; --' is not a valid name "
                        + "(letters, digits and _, not starting with a digit, at most 64 characters)");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"doc_title\"", "\"x` TEXT); DROP TABLE t; --\"")))
                .hasMessageStartingWith("config.mo_config.column.export_column[1].mapping_column: 'x` TEXT); DROP TABLE t; --' "
                        + "is not a valid name");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"documents\"", "\"" + "t".repeat(65) + "\"")))
                .hasMessageStartingWith("config.mo_config.table_name: 'ttt");
        assertThatThrownBy(() -> MatrixOneSql.quote("a`b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mappingsAreChecked() {
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"source_column\": \"title\"", "\"source_column\": \"summary\"")))
                .hasMessageStartingWith("config.mo_config.column.export_column[1].source_column: 'summary' is not a source column");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"doc_title\"", "\"DOC_CONTENT\"")))
                .hasMessage("config.mo_config.column.export_column[1].mapping_column: column 'DOC_CONTENT' is already the "
                        + "target of content (config.mo_config.column.export_column[0].mapping_column)");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"doc_title\"", "\"meta\"")))
                .hasMessageStartingWith("config.mo_config.column.combine_column: is merged into the column meta, but export_column "
                        + "maps title to that column");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"doc_title\"", "\"file_id\"")))
                .hasMessageStartingWith("config.mo_config.duplicated_strategy: finds a file's rows by the column file_id, but "
                        + "export_column maps title to that column");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"duplicated_strategy\": 1", "\"duplicated_strategy\": 4")))
                .hasMessage("config.mo_config.duplicated_strategy: must be 1 (overwrite), 2 (skip) or 3 (keep)");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("[\"content\", \"title\"]", "[\"content\", \"content\"]")))
                .hasMessage("config.mo_config.column.combine_column[1]: 'content' is listed twice");
        assertThatThrownBy(() -> parse(EXAMPLE.replace("\"new_table\": true", "\"new_table\": true, \"if_exists\": 1")))
                .hasMessageStartingWith("config.mo_config.if_exists: unknown field");
    }
}
