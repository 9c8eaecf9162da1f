package io.exporthub.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.S3Server;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A task of raw files and processing results, one of them 64 MB, to a real S3 server through the
 * HTTP API: every object under its exact key with its exact bytes, and exact numbers in the API.
 * Runs once per store: H2 here, MariaDB in the subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ExportTest {

    private static final int RAW_FILES = 40;
    private static final int PARSED_FILES = 10;
    private static final long BIG = 64L * 1024 * 1024 + 17;

    @TempDir
    static Path home;

    S3Server s3;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;

    String storeKind() {
        return "h2";
    }

    @BeforeAll
    void start() throws Exception {
        s3 = new S3Server(home.resolve("s3"));
        s3.start();
        s3.createBucket("exports");
        db = TestDatabase.of(storeKind(), home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.s3.part-size", String.valueOf(8 * 1024 * 1024)); // the 64 MB file in parts
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        s3.close();
        db.close();
    }

    @Test
    void everyFileLandsUnderItsKeyWithItsBytes() throws Exception {
        Path volume = service.volume();
        Map<String, String> expected = new HashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < RAW_FILES; i++) {
            String relative = "data/raw/doc-" + i + ".pdf";
            expected.put("hub/batch/one/" + relative, Volumes.sha256(Volumes.raw(volume, relative, 1000 + i * 7919L, i)));
            files.add(Tasks.file("raw-" + i, relative, true));
        }
        for (int i = 0; i < PARSED_FILES; i++) {
            String relative = "data/parsed/report-" + i + ".docx";
            expected.put("hub/batch/one/" + relative + ".json", Volumes.sha256(Volumes.parsed(volume, relative, 5 + i)));
            files.add(Tasks.file("parsed-" + i, relative, false));
        }
        expected.put("hub/batch/one/data/big/archive.bin", Volumes.sha256(Volumes.raw(volume, "data/big/archive.bin", BIG, 99)));
        files.add(Tasks.file("big", "data/big/archive.bin", true));

        long connector = Tasks.createConnector(api, "archive", "s3", Map.of(
                "endpoint", s3.endpoint(), "region", "us-east-1", "bucket_name", "exports/hub",
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
        String taskId = Tasks.createTask(api, Tasks.create("to s3", connector, "archive", 2,
                Map.of("s3_config", Map.of("path", "/batch/one/")), files));

        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(3));
        int total = RAW_FILES + PARSED_FILES + 1;
        assertThat(info.path("status").asInt()).as("task status of %s", info).isEqualTo(2);
        assertThat(info.path("end_time").isTextual()).isTrue();
        assertThat(info.path("file_stats").path("total").asInt()).isEqualTo(total);
        assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(total);
        assertThat(info.path("file_stats").path("failed").asInt()).isZero();
        assertThat(info.path("file_stats").path("pending").asInt()).isZero();
        assertThat(info.path("file_stats").path("running").asInt()).isZero();
        assertThat(info.path("fileSuccess").asInt()).isEqualTo(total);
        assertThat(info.path("file_stats").path("fileSuccess").asInt()).isEqualTo(total);
        assertThat(info.path("fileFail").asInt()).isZero();

        JsonNode state = Tasks.state(api, taskId);
        assertThat(state.path("total").asInt()).isEqualTo(total);
        assertThat(state.path("completed").asInt()).isEqualTo(total);

        JsonNode page = api.post("/export/task/files", Map.of("task_id", taskId, "statuses", List.of(2), "limit", 5)).data();
        assertThat(page.path("files")).hasSize(5);
        assertThat(page.path("total").asInt()).isEqualTo(total);
        assertThat(page.path("total_files").asInt()).isEqualTo(total);
        assertThat(page.path("total_success").asInt()).isEqualTo(total);
        assertThat(page.path("total_failure").asInt()).isZero();
        for (JsonNode file : Tasks.files(api, taskId)) {
            assertThat(file.path("status").asInt()).isEqualTo(2);
            assertThat(file.path("details").asText()).startsWith("exported to s3://exports/hub/batch/one/");
            assertThat(file.path("start_time").isTextual()).isTrue();
            assertThat(file.path("end_time").isTextual()).isTrue();
        }

        try (S3Client client = s3.client()) {
            List<String> keys = client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket("exports").build())
                    .contents().stream().map(S3Object::key)
                    .filter(key -> !key.endsWith("/")) // the server's filesystem backend lists its directories too
                    .toList();
            assertThat(keys).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (Map.Entry<String, String> object : expected.entrySet()) {
                try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket("exports").key(object.getKey()))) {
                    assertThat(Volumes.sha256(in)).as("bytes of %s", object.getKey()).isEqualTo(object.getValue());
                }
            }
        }
        // one write per file: the big one as one multipart upload
        assertThat(s3.putCount()).isEqualTo(total);
    }
}
