package com.example.esb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The application as it runs, with its directories and export-hub's H2 store in a temporary folder. */
@SpringBootTest(properties = "camel.main.run-controller=false")
class EsbApplicationTest {

    private static final Path HOME = temporaryHome();

    @DynamicPropertySource
    static void directories(DynamicPropertyRegistry settings) {
        settings.add("esb.inbox.dir", () -> HOME.resolve("inbox").toString());
        settings.add("exporthub.db.url", () -> "jdbc:h2:file:" + HOME.resolve("store") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE");
        settings.add("exporthub.volume.root", () -> HOME.resolve("volume").toString());
        settings.add("exporthub.work.dir", () -> HOME.resolve("work").toString());
        settings.add("exporthub.local-target.root", () -> HOME.resolve("archive").toString());
        settings.add("exporthub.exports.dir", () -> HOME.resolve("exports").toString());
        settings.add("exporthub.secrets.key-file", () -> HOME.resolve("secrets.key").toString());
    }

    @Autowired
    CamelContext context;

    @Autowired
    ProducerTemplate esb;

    @Test
    void aFileDroppedInTheInboxIsExportedToTheArchive() throws Exception {
        assertThat(context.getRoute("api-task-create")).as("export-hub's HTTP API is left out").isNull();
        assertThat(context.getRoute("inprocess-task-create")).as("export-hub's in-process API is there").isNotNull();

        byte[] report = "quarterly numbers\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        Path dropped = HOME.resolve("inbox.tmp/report.txt");
        Files.createDirectories(dropped.getParent());
        Files.write(dropped, report);
        Files.createDirectories(HOME.resolve("inbox"));
        Files.move(dropped, HOME.resolve("inbox/report.txt"));

        // the connector declared in application.yaml writes under <local-target root>/<workspace id>/esb
        Path archived = HOME.resolve("archive/1/esb/from-inbox/inbox/report.txt");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(archived) && Files.size(archived) == report.length);
        assertThat(Files.readAllBytes(archived)).isEqualTo(report);
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(HOME.resolve("inbox/report.txt")));
    }

    @Test
    void aTableIsImportedAndExportedThroughTheInProcessApi() throws Exception {
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
        try (var files = Files.walk(HOME.resolve("exports"))) {
            Path exported = files.filter(f -> f.getFileName().toString().equals(job.get("file_name"))).findFirst().orElseThrow();
            assertThat(Files.readString(exported)).isEqualTo("sku,qty\r\nB-2,5\r\n");
        }
    }

    private static Path temporaryHome() {
        try {
            return Files.createTempDirectory("esb-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
