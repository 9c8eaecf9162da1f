package io.exporthub.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.exporthub.ExportHubConfiguration;
import io.exporthub.api.ApiException;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.Volumes;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another application's plain CamelContext (not our Main) takes our configuration and routes, without
 * the HTTP API, and runs an export through the direct: API alone.
 */
class EmbeddedTest {

    @TempDir
    Path home;

    @Test
    void anEsbRouteExportsWithoutHttp() throws Exception {
        Path raw = Volumes.raw(home.resolve("volume"), "in/a.bin", 3000, 1);
        Volumes.parsed(home.resolve("volume"), "in/b.pdf", 3);

        Properties hostSettings = new Properties();
        hostSettings.put("exporthub.db.url", "jdbc:h2:file:" + home.resolve("store") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE");
        hostSettings.put("exporthub.volume.root", home.resolve("volume").toString());
        hostSettings.put("exporthub.work.dir", home.resolve("work").toString());
        hostSettings.put("exporthub.secrets.key-file", home.resolve("secrets.key").toString());
        hostSettings.put("exporthub.local-target.root", home.resolve("out").toString());
        hostSettings.put("exporthub.exports.dir", home.resolve("exports").toString());
        hostSettings.put("exporthub.connector.disk.kind", "local");
        hostSettings.put("exporthub.connector.disk.directory", "esb");

        try (CamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setOverrideProperties(hostSettings);
            new ExportHubConfiguration().configure(context);
            ExportHubConfiguration.loadRoutes(context, false);
            context.start();
            assertThat(context.getRoute("api-task-create")).as("no HTTP API when embedded without it").isNull();

            ProducerTemplate esb = context.createProducerTemplate();
            Map<String, Object> body = Tasks.create("from the esb", 0, "disk", 100, Map.of("local_config", Map.of("path", "drop")),
                    List.of(Tasks.file("a", "in/a.bin", true), Tasks.file("b", "in/b.pdf", false)));
            body.remove("connector_id");
            String taskId = esb.requestBody("direct:exporthub-task-create", body, String.class);

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    (Integer) esb.requestBody("direct:exporthub-task-info", taskId, Map.class).get("status") != 1);
            Map<?, ?> info = esb.requestBody("direct:exporthub-task-info", taskId, Map.class);
            assertThat(info.get("status")).isEqualTo(2);
            assertThat(Volumes.sha256(home.resolve("out/1/esb/drop/in/a.bin"))).isEqualTo(Volumes.sha256(raw));
            assertThat(Files.readString(home.resolve("out/1/esb/drop/in/b.pdf.json")))
                    .isEqualTo(Files.readString(home.resolve("volume/.parsed/in/b.pdf.json")));
            assertThat(esb.requestBody("direct:exporthub-task-rerun", taskId, Integer.class)).as("nothing failed").isZero();

            // a table export, through the direct: API alone
            Map<?, ?> table = esb.requestBody("direct:exporthub-table-create", Map.of("name", "orders", "schema",
                    Map.of("fields", List.of(Map.of("name", "sku", "type", "string"), Map.of("name", "qty", "type", "integer")))), Map.class);
            String tableId = String.valueOf(table.get("id"));
            String importJob = esb.requestBodyAndHeaders("direct:exporthub-table-import",
                    "sku,qty\nA-1,3\nB-2,5\n".getBytes(StandardCharsets.UTF_8),
                    Map.of("ExportHubTableId", tableId, "ExportHubFileName", "orders.csv"), String.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> "finish".equals(esb.requestBodyAndHeader(
                    "direct:exporthub-table-import-info", importJob, "ExportHubTableId", tableId, Map.class).get("status")));
            String exportJob = esb.requestBodyAndHeader("direct:exporthub-table-export",
                    Map.of("file_type", "csv", "mode", "part", "where", Map.of("qty", Map.of("$gt", 4)), "include_keys", List.of("sku", "qty")),
                    "ExportHubTableId", tableId, String.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> "finish".equals(esb.requestBodyAndHeader(
                    "direct:exporthub-table-export-info", exportJob, "ExportHubTableId", tableId, Map.class).get("status")));
            Map<?, ?> job = esb.requestBodyAndHeader("direct:exporthub-table-export-info", exportJob, "ExportHubTableId", tableId, Map.class);
            try (var files = Files.walk(home.resolve("exports"))) {
                Path exported = files.filter(f -> f.getFileName().toString().equals(job.get("file_name"))).findFirst().orElseThrow();
                assertThat(Files.readString(exported)).isEqualTo("sku,qty\r\nB-2,5\r\n");
            }

            // the same checks as over HTTP, thrown to the caller
            assertThatThrownBy(() -> esb.requestBody("direct:exporthub-task-create", Map.of("task_name", "x"), String.class))
                    .isInstanceOf(CamelExecutionException.class)
                    .cause().isInstanceOf(ApiException.class).hasMessage("creator: is required");
        }
    }
}
