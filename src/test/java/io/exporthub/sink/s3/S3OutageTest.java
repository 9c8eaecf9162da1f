package io.exporthub.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The S3 server goes away in the middle of a task: its files are retried, then fail with a reason a
 * user can act on; the server comes back and a rerun sends exactly the failed files.
 */
class S3OutageTest {

    private static final int FILES = 60;

    @TempDir
    Path home;

    S3Server s3;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;

    @BeforeEach
    void start() throws Exception {
        s3 = new S3Server(home.resolve("s3"));
        s3.start();
        s3.createBucket("exports");
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.pipeline.parallelism", "2");
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        s3.close();
        db.close();
    }

    @Test
    void failedFilesAreRetriedThenRerunSendsOnlyThem() throws Exception {
        Map<String, String> expected = new HashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            String relative = "batch/file-" + i + ".bin";
            expected.put("out/" + relative, Volumes.sha256(Volumes.raw(service.volume(), relative, 2L * 1024 * 1024, i)));
            files.add(Tasks.file("f" + i, relative, true));
        }
        long connector = Tasks.createConnector(api, "store", "s3", Map.of("endpoint", s3.endpoint(), "bucket_name", "exports",
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", "true"));
        String taskId = Tasks.createTask(api, Tasks.create("outage", connector, "store", 5,
                Map.of("s3_config", Map.of("path", "out")), files));

        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(5))
                .until(() -> Tasks.state(api, taskId).path("completed").asInt() >= 3);
        s3.stop();

        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(info.path("status").asInt()).as("task %s", info).isEqualTo(3);
        int failed = info.path("file_stats").path("failed").asInt();
        int completed = info.path("file_stats").path("completed").asInt();
        assertThat(failed).isPositive();
        assertThat(failed + completed).isEqualTo(FILES);
        List<JsonNode> failedFiles = Tasks.files(api, taskId).stream().filter(f -> f.path("status").asInt() == 3).toList();
        assertThat(failedFiles).hasSize(failed);
        for (JsonNode file : failedFiles) {
            // names the target and the endpoint, says what happened, and that it was retried
            assertThat(file.path("details").asText())
                    .startsWith("s3 target 'store' (" + s3.endpoint() + "): ")
                    .contains("Unable to execute HTTP request")
                    .endsWith("(gave up after 3 attempts)");
        }

        s3.start();
        s3.resetCounts();
        ApiClient.Response rerun = api.post("/export/task/" + taskId + "/rerun", (String) null);
        assertThat(rerun.status()).isEqualTo(200);
        assertThat(rerun.body().path("code").asText()).isEqualTo("ok");
        assertThat(Tasks.info(api, taskId).path("status").asInt()).isIn(1, 2);

        JsonNode after = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(after.path("status").asInt()).as("task %s", after).isEqualTo(2);
        assertThat(after.path("file_stats").path("completed").asInt()).isEqualTo(FILES);
        assertThat(s3.putCount()).as("writes of the rerun").isEqualTo(failed);
        try (S3Client client = s3.client()) {
            for (Map.Entry<String, String> object : expected.entrySet()) {
                try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket("exports").key(object.getKey()))) {
                    assertThat(Volumes.sha256(in)).as(object.getKey()).isEqualTo(object.getValue());
                }
            }
        }

        // nothing failed any more: a second rerun re-sends nothing
        s3.resetCounts();
        assertThat(api.post("/export/task/" + taskId + "/rerun", "{\"files\": []}").status()).isEqualTo(200);
        assertThat(Tasks.info(api, taskId).path("status").asInt()).isEqualTo(2);
        assertThat(s3.putCount()).isZero();
    }

    @Test
    void permanentErrorsFailAtOnceAndRerunOfListedFiles() throws Exception {
        // empty files: a server that refuses a PUT may close the connection while a body is still
        // being sent, and the client then sees a broken pipe instead of the answer
        Volumes.raw(service.volume(), "a.bin", 0, 1);
        Volumes.raw(service.volume(), "b.bin", 0, 2);
        // a bucket that does not exist: the store answers 404, which no retry can fix
        long connector = Tasks.createConnector(api, "nobucket", "s3", Map.of("endpoint", s3.endpoint(), "bucket_name", "missing-bucket",
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", "true"));
        String taskId = Tasks.createTask(api, Tasks.create("no bucket", connector, "nobucket", 2,
                Map.of("s3_config", Map.of("path", "")), List.of(Tasks.file("a", "a.bin", true), Tasks.file("b", "b.bin", true),
                        Tasks.file("c", "missing/c.bin", true))));
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
        assertThat(info.path("status").asInt()).isEqualTo(3);
        Map<String, String> details = new HashMap<>();
        Tasks.files(api, taskId).forEach(f -> details.put(f.path("id").asText(), f.path("details").asText()));
        // the 404 ends the tries; before it, one try may meet a broken pipe on a connection the store
        // closed after its previous 404 (retried as transient), so at most two tries, never the three allowed
        assertThat(details.get("a")).contains("NoSuchBucket").doesNotContain("gave up after 3 attempts");
        assertThat(details.get("c")).isEqualTo("source file not found in the volume: missing/c.bin");

        ApiClient.Response unknown = api.post("/export/task/" + taskId + "/rerun", "{\"files\": [\"a\", \"zzz\"]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.msg()).isEqualTo("files[1]: no file 'zzz' in task " + taskId);

        s3.createBucket("missing-bucket");
        assertThat(api.post("/export/task/" + taskId + "/rerun", "{\"files\": [\"a\"]}").status()).isEqualTo(200);
        JsonNode after = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
        assertThat(after.path("status").asInt()).isEqualTo(3);
        assertThat(after.path("file_stats").path("completed").asInt()).isEqualTo(1);
        assertThat(after.path("file_stats").path("failed").asInt()).isEqualTo(2);
        assertThat(s3.putCount()).isEqualTo(1);
    }
}
