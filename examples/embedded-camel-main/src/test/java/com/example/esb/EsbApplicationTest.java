package com.example.esb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application as it runs, with its directories in a temporary folder and export-hub's store in a
 * database of its own on the local MariaDB (127.0.0.1:3306, root, no password).
 */
class EsbApplicationTest {

    private static final String SERVER = "jdbc:mysql://127.0.0.1:3306/";

    @TempDir
    Path home;

    private final String database = "esb_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private Main main;
    private CamelContext context;

    @BeforeEach
    void start() throws Exception {
        main = EsbApplication.create();
        main.addOverrideProperty("exporthub.db.url", SERVER + database + "?createDatabaseIfNotExist=true");
        main.addOverrideProperty("esb.inbox.dir", home.resolve("inbox").toString());
        main.addOverrideProperty("exporthub.volume.root", home.resolve("volume").toString());
        main.addOverrideProperty("exporthub.work.dir", home.resolve("work").toString());
        main.addOverrideProperty("exporthub.local-target.root", home.resolve("archive").toString());
        main.addOverrideProperty("exporthub.exports.dir", home.resolve("exports").toString());
        main.addOverrideProperty("exporthub.secrets.key-file", home.resolve("secrets.key").toString());
        main.start();
        context = main.getCamelContext();
    }

    @AfterEach
    void stop() throws Exception {
        if (main != null) {
            main.stop();
        }
        try (Connection c = DriverManager.getConnection(SERVER, "root", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
        }
    }

    @Test
    void aFileDroppedInTheInboxIsExportedToTheArchive() throws Exception {
        assertThat(context.getRoute("api-task-create")).as("export-hub's HTTP API is left out").isNull();
        assertThat(context.getRoute("inprocess-task-create")).as("export-hub's in-process API is there").isNotNull();

        byte[] report = "quarterly numbers\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        Path dropped = home.resolve("inbox.tmp/report.txt");
        Files.createDirectories(dropped.getParent());
        Files.write(dropped, report);
        Files.createDirectories(home.resolve("inbox"));
        Files.move(dropped, home.resolve("inbox/report.txt"));

        // the connector declared in application.properties writes under <local-target root>/<workspace id>/esb
        Path archived = home.resolve("archive/1/esb/from-inbox/inbox/report.txt");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(archived) && Files.size(archived) == report.length);
        assertThat(Files.readAllBytes(archived)).isEqualTo(report);
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(home.resolve("inbox/report.txt")));
    }

    @Test
    void aTableIsImportedAndExportedThroughTheInProcessApi() throws Exception {
        ProducerTemplate esb = context.createProducerTemplate();
        Map<?, ?> table = esb.requestBody("direct:exporthub-table-create", Map.of("name", "orders", "schema",
                Map.of("fields", List.of(Map.of("name", "sku", "type", "string"), Map.of("name", "qty", "type", "integer")))), Map.class);
        String tableId = String.valueOf(table.get("id"));

        String importJob = esb.requestBodyAndHeaders("direct:exporthub-table-import",
                "sku,qty\nA-1,3\nB-2,5\n".getBytes(StandardCharsets.UTF_8),
                Map.of("ExportHubTableId", tableId, "ExportHubFileName", "orders.csv"), String.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> "finish".equals(esb.requestBodyAndHeader(
                "direct:exporthub-table-import-info", importJob, "ExportHubTableId", tableId, Map.class).get("status")));

        String exportJob = esb.requestBodyAndHeader("direct:exporthub-table-export",
                Map.of("file_type", "csv", "mode", "part", "where", Map.of("qty", Map.of("$gt", 4)), "include_keys", List.of("sku", "qty")),
                "ExportHubTableId", tableId, String.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> "finish".equals(esb.requestBodyAndHeader(
                "direct:exporthub-table-export-info", exportJob, "ExportHubTableId", tableId, Map.class).get("status")));
        Map<?, ?> job = esb.requestBodyAndHeader("direct:exporthub-table-export-info", exportJob, "ExportHubTableId", tableId, Map.class);
        try (var files = Files.walk(home.resolve("exports"))) {
            Path exported = files.filter(f -> f.getFileName().toString().equals(job.get("file_name"))).findFirst().orElseThrow();
            assertThat(Files.readString(exported)).isEqualTo("sku,qty\r\nB-2,5\r\n");
        }
    }
}
