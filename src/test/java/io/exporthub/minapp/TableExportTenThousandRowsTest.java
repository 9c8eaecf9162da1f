package io.exporthub.minapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.TestDatabase;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 rows of every field type imported, then exported to CSV and compared with the expected file byte for byte. */
class TableExportTenThousandRowsTest {

    static final int ROWS = 10_000;

    @TempDir
    Path home;

    @Test
    void aCsvExportOfTenThousandRowsOfEveryTypeIsExact() throws Exception {
        try (TestDatabase db = TestDatabase.h2(home);
             ExportHubService service = ExportHubService.start(home, ExportHubService.defaults(home, db))) {
            MinAppClient admin = new MinAppClient(service.baseUrl(), ExportHubService.ADMIN_KEY);
            MinAppClient.Response created = admin.post("/userve/v1/table/", Map.of("name", "ten_thousand", "schema", Map.of("fields", List.of(
                    Map.of("name", "s", "type", "string"), Map.of("name", "i", "type", "integer"),
                    Map.of("name", "n", "type", "number"), Map.of("name", "b", "type", "boolean"),
                    Map.of("name", "d", "type", "date"), Map.of("name", "tags", "type", "array", "items", Map.of("type", "string")),
                    Map.of("name", "meta", "type", "object"), Map.of("name", "geo", "type", "geojson"),
                    Map.of("name", "f", "type", "file"), Map.of("name", "ref", "type", "reference")))));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            long table = created.body().path("id").asLong();

            List<ObjectNode> model = new ArrayList<>();
            StringBuilder lines = new StringBuilder();
            for (int k = 0; k < ROWS; k++) {
                ObjectNode row = TableJobsTest.row(k);
                model.add(row);
                lines.append(TableJobsTest.MAPPER.writeValueAsString(row)).append('\n');
            }
            MinAppClient.Response importCreated = admin.upload("/userve/v1/table/" + table + "/import/", "rows.json",
                    lines.toString().getBytes(StandardCharsets.UTF_8), true);
            assertThat(importCreated.status()).as(importCreated.toString()).isEqualTo(201);
            String importId = importCreated.body().path("job_id").asText();
            JsonNode imported = await().atMost(Duration.ofSeconds(60)).until(
                    () -> admin.get("/userve/v1/table/" + table + "/import/" + importId + "/").body(),
                    j -> j.path("status").asText().equals("finish") || j.path("status").asText().equals("failed"));
            assertThat(imported.path("inserted").asLong()).as(imported.toString()).isEqualTo(ROWS);

            MinAppClient.Response exportCreated = admin.post("/userve/v1.5/table/" + table + "/export/",
                    Map.of("file_type", "csv", "mode", "all"));
            assertThat(exportCreated.status()).as(exportCreated.toString()).isEqualTo(201);
            String exportId = exportCreated.body().path("job_id").asText();
            JsonNode job = await().atMost(Duration.ofSeconds(60)).until(
                    () -> admin.get("/userve/v1.5/table/" + table + "/export/" + exportId + "/").body(),
                    j -> j.path("status").asText().equals("finish") || j.path("status").asText().equals("failed"));
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("finish");
            assertThat(job.path("row_count").asLong()).isEqualTo(ROWS);

            HttpResponse<byte[]> file = MinAppClient.fetch(job.path("download_url").asText());
            assertThat(file.statusCode()).isEqualTo(200);
            StringWriter expected = new StringWriter();
            try (CSVPrinter csv = new CSVPrinter(expected, CSVFormat.RFC4180)) {
                csv.printRecord(TableJobsTest.COLUMNS);
                for (ObjectNode row : model) {
                    List<String> cells = new ArrayList<>();
                    for (String column : TableJobsTest.COLUMNS) {
                        JsonNode value = row.path(column);
                        cells.add(value.isNull() ? "" : value.isValueNode() ? value.asText() : TableJobsTest.MAPPER.writeValueAsString(value));
                    }
                    csv.printRecord(cells);
                }
            }
            assertThat(new String(file.body(), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        }
    }
}
