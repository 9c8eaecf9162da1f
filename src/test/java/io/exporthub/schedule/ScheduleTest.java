package io.exporthub.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.TargetDatabase;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schedule with a fast cron creates its tasks on time, one run at a time, and lists its runs; a
 * template the API would refuse is refused the same way.
 */
class ScheduleTest {

    @TempDir
    Path home;

    @Test
    void firesOnTimeNeverTwoAtOnce() throws Exception {
        Volumes.raw(home.resolve("volume"), "in/a.bin", 1000, 1);
        // every run takes ~3 s: the S3 server it names is down, so the file is retried twice, 1 s apart
        Path template = home.resolve("nightly.json");
        Files.writeString(template, new ObjectMapper().writeValueAsString(Tasks.create("nightly", 1, "down", 2,
                Map.of("s3_config", Map.of("path", "x")), List.of(Tasks.file("a", "in/a.bin", true)))));
        try (TestDatabase db = TestDatabase.h2(home)) {
            Map<String, String> props = ExportHubService.defaults(home, db);
            props.put("exporthub.retry.initial-delay", "1000");
            props.put("exporthub.retry.multiplier", "1");
            props.put("exporthub.connector.down.kind", "s3");
            props.put("exporthub.connector.down.endpoint", "http://127.0.0.1:" + ExportHubService.freePort());
            props.put("exporthub.connector.down.bucket_name", "b-1");
            props.put("exporthub.connector.down.access_key_id", "id");
            props.put("exporthub.connector.down.access_key_secret", "secret");
            props.put("exporthub.schedule.nightly.cron", "0/1 * * * * ?");
            props.put("exporthub.schedule.nightly.task-template", template.toString());
            try (ExportHubService service = ExportHubService.start(home, props)) {
                ApiClient api = service.api();
                await().atMost(Duration.ofSeconds(30)).until(() -> finishedTasks(db) >= 3);

                JsonNode schedules = api.get("/schedule/list").data().path("schedules");
                assertThat(schedules).hasSize(1);
                assertThat(schedules.get(0).path("cron").asText()).isEqualTo("0/1 * * * * ?");
                List<String> outcomes = new ArrayList<>();
                schedules.get(0).path("runs").forEach(r -> outcomes.add(r.path("outcome").asText()));
                assertThat(outcomes).anyMatch(o -> o.startsWith("created task "));
                assertThat(outcomes).anyMatch(o -> o.startsWith("skipped: task ") && o.endsWith(" of the previous run is still running"));
                // the last fire is the newest run; the next one is due within the second after the answer
                JsonNode nightly = schedules.get(0);
                assertThat(nightly.path("last_fire_time").asText()).isEqualTo(nightly.path("runs").get(0).path("fire_time").asText());
                assertThat(nightly.path("run_count").asLong()).isGreaterThanOrEqualTo(nightly.path("runs").size());
                assertThat(java.time.Instant.parse(nightly.path("next_fire_time").asText()))
                        .isBetween(java.time.Instant.now().minusSeconds(2), java.time.Instant.now().plusSeconds(2));
            }
            // runs never overlap: each task starts after the previous one ended
            List<long[]> runs = new ArrayList<>();
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT created_at, ended_at FROM export_tasks WHERE name = 'nightly' ORDER BY created_at")) {
                while (rs.next()) {
                    runs.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
            assertThat(runs).hasSizeGreaterThanOrEqualTo(3);
            for (int i = 1; i < runs.size(); i++) {
                assertThat(runs.get(i)[0]).as("run %d starts after run %d ended", i, i - 1).isGreaterThanOrEqualTo(runs.get(i - 1)[1]);
                // on time: the next fire after the previous run ended, at most one period (plus slack) later
                assertThat(runs.get(i)[0] - runs.get(i - 1)[1]).isLessThan(2500);
            }
        }
    }

    /**
     * A schedule goes through the API's own create: a template naming a MatrixOne table that does
     * not exist creates no task, and each fire's run records the 400 message the API answers.
     */
    @Test
    void aTemplateTheApiRefusesCreatesNoTaskAndRecordsTheApisReason() throws Exception {
        Path template = home.resolve("to-mo.json");
        try (TestDatabase db = TestDatabase.h2(home); TargetDatabase mo = TargetDatabase.create()) {
            Map<String, String> props = ExportHubService.defaults(home, db);
            props.put("exporthub.schedule.tomo.cron", "0/1 * * * * ?");
            props.put("exporthub.schedule.tomo.task-template", template.toString());
            try (ExportHubService service = ExportHubService.start(home, props)) {
                ApiClient api = service.api();
                long connector = Tasks.createConnector(api, "mo", "matrixone", mo.connectorConfig());
                Map<String, Object> moConfig = new LinkedHashMap<>();
                moConfig.put("database_name", mo.name());
                moConfig.put("table_name", "absent");
                moConfig.put("new_table", false);
                moConfig.put("column", Map.of("export_column", List.of(Map.of("source_column", "content", "mapping_column", "content")),
                        "combine_column", List.of()));
                moConfig.put("duplicated_strategy", 1);
                Map<String, Object> request = Tasks.create("to-mo", connector, "mo", 3, Map.of("mo_config", moConfig),
                        List.of(Tasks.file("x", "any/x.pdf", false)));

                ApiClient.Response byApi = api.post("/export/task/create", request);
                assertThat(byApi.status()).as("%s", byApi).isEqualTo(400);
                assertThat(byApi.msg()).isEqualTo("config.mo_config.table_name: table " + mo.name()
                        + ".absent does not exist; set new_table to true to create it");

                Files.writeString(template, new ObjectMapper().writeValueAsString(request));
                await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(api).contains("failed: " + byApi.msg()));
                assertThat(api.post("/export/task/list", "{}").data().path("total").asLong()).isZero();
            }
        }
    }

    private static List<String> outcomes(ApiClient api) {
        List<String> outcomes = new ArrayList<>();
        api.get("/schedule/list").data().path("schedules").forEach(s -> s.path("runs").forEach(r -> outcomes.add(r.path("outcome").asText())));
        return outcomes;
    }

    private static long finishedTasks(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM export_tasks WHERE name = 'nightly' AND status <> 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
