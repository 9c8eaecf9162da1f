package io.exporthub.sink.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.CapturedLogs;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The local-directory target: layout, compression, title merging, listing, and delete of a running task. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalExportTest {

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    long connector;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.pipeline.parallelism", "1");
        service = ExportHubService.start(home, props);
        api = service.api();
        connector = Tasks.createConnector(api, "dir", "local", Map.of("directory", "exports"));
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    @Test
    void zipGzipAndMergedTitles() throws Exception {
        Path raw = Volumes.raw(service.volume(), "in/photo.png", 5000, 7);
        Volumes.parsed(service.volume(), "in/report.pdf", 2);
        String zipped = Tasks.createTask(api, Tasks.create("zip", connector, "dir", 100,
                Map.of("local_config", Map.of("path", "/zipped/", "need_compress", true, "compress_method", "zip")),
                List.of(Tasks.file("p", "in/photo.png", true))));
        String merged = Tasks.createTask(api, Tasks.create("merged", connector, "dir", 100,
                Map.of("local_config", Map.of("path", "merged", "need_compress", true, "compress_method", "gzip"), "merge_title_to_text", true),
                List.of(Tasks.file("r", "in/report.pdf", false))));
        String plain = Tasks.createTask(api, Tasks.create("plain", connector, "dir", 100,
                Map.of("local_config", Map.of("path", "plain", "need_compress", false, "compress_method", "")),
                List.of(Tasks.file("r", "in/report.pdf", false))));
        for (String id : List.of(zipped, merged, plain)) {
            assertThat(Tasks.awaitFinished(api, id, Duration.ofSeconds(30)).path("status").asInt()).isEqualTo(2);
        }
        Path out = service.localTargetRoot().resolve("1/exports");

        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(out.resolve("zipped/in/photo.png.zip")))) {
            ZipEntry entry = zip.getNextEntry();
            assertThat(entry.getName()).isEqualTo("photo.png");
            assertThat(Volumes.sha256(zip)).isEqualTo(Volumes.sha256(raw));
        }
        JsonNode result;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(out.resolve("merged/in/report.pdf.json.gz")))) {
            result = ApiClient.json(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(result.path("blocks")).hasSize(2);
        assertThat(result.path("block_count").asInt()).isEqualTo(2);
        assertThat(result.path("blocks").get(0).path("content").asText()).isEqualTo("Title of in/report.pdf\n\nBlock 0 of in/report.pdf");
        assertThat(result.path("blocks").get(1).path("content").asText()).isEqualTo("Block 1 of in/report.pdf");
        assertThat(Files.readString(out.resolve("plain/in/report.pdf.json")))
                .isEqualTo(Files.readString(service.volume().resolve(".parsed/in/report.pdf.json")));

        JsonNode list = api.post("/export/task/list", Map.of("order_by", "name", "order_direction", "asc", "statuses", List.of(2))).data();
        List<String> names = new ArrayList<>();
        list.path("tasks").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).containsSubsequence("merged", "plain", "zip");
        JsonNode one = api.post("/export/task/list", Map.of("task_id", merged)).data();
        assertThat(one.path("total").asInt()).isEqualTo(1);
        assertThat(one.path("tasks").get(0).path("export_source").get(0).toString()).isEqualTo("[\"in\",\"report.pdf\"]");
        assertThat(one.path("tasks").get(0).path("create_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        ApiClient.Response badOrder = api.post("/export/task/list", Map.of("order_by", "id; DROP TABLE export_tasks"));
        assertThat(badOrder.status()).isEqualTo(400);
        assertThat(badOrder.msg()).startsWith("order_by: 'id; DROP TABLE export_tasks' is not a sort field");
    }

    @Test
    void deletingARunningTaskStartsNoFurtherDelivery() throws Exception {
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            Volumes.raw(service.volume(), "many/f" + i + ".bin", 200_000, i);
            files.add(Tasks.file("f" + i, "many/f" + i + ".bin", true));
        }
        String id = Tasks.createTask(api, Tasks.create("to delete", connector, "dir", 100, Map.of("local_config", Map.of("path", "deleted")), files));
        await().atMost(Duration.ofSeconds(30)).until(() -> Tasks.state(api, id).path("completed").asInt() >= 5);
        ApiClient.Response inUse = api.post("/connector/delete", Map.of("id", connector));
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.msg()).isEqualTo("id: connector " + connector + " is used by 1 running task(s); delete or finish them first");
        assertThat(api.post("/export/task/delete", Map.of("id", id)).status()).isEqualTo(200);
        Path dir = service.localTargetRoot().resolve("1/exports/deleted/many");
        long atDelete = count(dir);
        assertThat(atDelete).isLessThan(400);
        // at most the one file in flight (parallelism 1) may still land
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> count(dir) <= atDelete + 1);
        assertThat(api.post("/export/task/info", Map.of("id", id)).status()).isEqualTo(404);
        assertThat(api.post("/export/task/list", Map.of("task_id", id)).data().path("total").asInt()).isZero();
    }

    private static long count(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
        }
    }

    @Test
    void aTaskOfThousandsOfFailingFilesLogsABoundedNumberOfLines() {
        int files = 3000;
        List<Map<String, Object>> missing = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            missing.add(Tasks.file("gone-" + i, "nowhere/gone-" + i + ".bin", true));
        }
        try (CapturedLogs logs = CapturedLogs.start()) {
            String task = Tasks.createTask(api, Tasks.create("all-fail", connector, "dir", 100,
                    Map.of("local_config", Map.of("path", "fail", "need_compress", false, "compress_method", "")), missing));
            JsonNode info = Tasks.awaitFinished(api, task, Duration.ofMinutes(3));
            assertThat(Tasks.state(api, task).path("failed").asInt()).as("%s", info).isEqualTo(files);
            List<String> lines = logs.lines().stream().filter(l -> l.contains(task) || l.contains("gone-")).toList();
            // 20 failures in full, then a count every 1,000: never a line per file
            assertThat(lines.size()).as(String.join("\n", lines.subList(0, Math.min(lines.size(), 30)))).isBetween(21, 40);
            assertThat(lines).anyMatch(l -> l.contains("2020 files failed so far"));
        }
    }
}
