package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.S3Server;
import io.exporthub.testing.ServiceProcess;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The service killed with SIGKILL in the middle of a 1,000-file S3 task, then started again on the
 * same H2 store: the task resumes by itself and ends with every file delivered with its bytes, and
 * only the files in flight at the kill sent a second time.
 */
class CrashResumeIT {

    private static final int RAW_FILES = 1000;
    private static final int PARSED_FILES = 8;
    private static final int RAW_SIZE = 64 * 1024;
    private static final int PARALLELISM = 2;
    private static final int KILL_AFTER = 150;

    @TempDir
    Path home;

    @Test
    void killedMidTaskResumesAndDeliversEveryFileOnce() throws Exception {
        try (S3Server s3 = new S3Server(home.resolve("s3"));
             ServiceProcess service = new ServiceProcess(home.resolve("service"), "512m",
                     Map.of("EXPORTHUB_PIPELINE_PARALLELISM", String.valueOf(PARALLELISM)))) {
            s3.start();
            s3.createBucket("exports");

            Path volume = service.volume();
            Map<String, String> expected = new HashMap<>();
            List<Map<String, Object>> files = new ArrayList<>();
            for (int i = 0; i < RAW_FILES; i++) {
                String relative = "raw/" + (i % 10) + "/doc-" + i + ".bin";
                expected.put("hub/crash/" + relative, Volumes.sha256(Volumes.raw(volume, relative, RAW_SIZE, i)));
                files.add(Tasks.file("raw-" + i, relative, true));
            }
            for (int i = 0; i < PARSED_FILES; i++) {
                String relative = "parsed/report-" + i + ".pdf";
                expected.put("hub/crash/" + relative + ".json", Volumes.sha256(Volumes.parsed(volume, relative, 3 + i)));
                files.add(Tasks.file("parsed-" + i, relative, false));
            }
            int total = RAW_FILES + PARSED_FILES;

            service.start();
            ApiClient api = service.api();
            long connector = Tasks.createConnector(api, "archive", "s3", Map.of(
                    "endpoint", s3.endpoint(), "region", "us-east-1", "bucket_name", "exports/hub",
                    "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
            String taskId = Tasks.createTask(api, Tasks.create("crash", connector, "archive", 2,
                    Map.of("s3_config", Map.of("path", "/crash/")), files));

            // Kill once a good part is delivered, well before the end, so that both halves are exercised.
            AtomicInteger seenCompleted = new AtomicInteger();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode running = Tasks.info(api, taskId);
                if (running.path("status").asInt() != 1) {
                    throw new AssertionError("task ended before the kill: " + running + "\n"
                            + Tasks.files(api, taskId).stream().filter(f -> f.path("status").asInt() == 3).limit(3).toList()
                            + "\n" + service.logTail(40));
                }
                seenCompleted.set(Tasks.state(api, taskId).path("completed").asInt());
                return seenCompleted.get() >= KILL_AFTER;
            });
            service.kill();
            int putsAtKill = s3.putCount();

            service.start();
            ApiClient restarted = service.api();
            JsonNode afterRestart = Tasks.info(restarted, taskId);
            assertThat(afterRestart.path("status").asInt()).as("task after restart: %s", afterRestart).isEqualTo(1);
            // What the API reported completed must survive the kill: a lost completion means a file sent twice.
            assertThat(afterRestart.path("file_stats").path("completed").asInt())
                    .as("completed after restart (the API said %d before the kill, %d puts)", seenCompleted.get(), putsAtKill)
                    .isBetween(seenCompleted.get(), total - 1);

            JsonNode info = service.awaitTaskFinished(taskId, Duration.ofMinutes(3));
            assertThat(info.path("status").asInt()).as("task %s\n%s", info, service.logTail(40)).isEqualTo(2);

            JsonNode state = Tasks.state(restarted, taskId);
            assertThat(state.path("total").asInt()).isEqualTo(total);
            assertThat(state.path("completed").asInt()).isEqualTo(total);
            assertThat(state.path("failed").asInt()).isZero();
            assertThat(state.path("pending").asInt()).isZero();
            assertThat(state.path("running").asInt()).isZero();

            List<JsonNode> listed = Tasks.files(restarted, taskId);
            assertThat(listed).hasSize(total);
            assertThat(listed).allSatisfy(file -> {
                assertThat(file.path("status").asInt()).as("file %s", file).isEqualTo(2);
                assertThat(file.path("details").asText()).startsWith("exported to s3://exports/hub/crash/");
            });

            try (S3Client client = s3.client()) {
                List<String> keys = client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket("exports").build())
                        .contents().stream().map(S3Object::key)
                        .filter(key -> !key.endsWith("/")) // the filesystem backend lists its directories too
                        .toList();
                assertThat(keys).containsExactlyInAnyOrderElementsOf(expected.keySet());
                for (Map.Entry<String, String> object : expected.entrySet()) {
                    try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket("exports").key(object.getKey()))) {
                        assertThat(Volumes.sha256(in)).as("bytes of %s", object.getKey()).isEqualTo(object.getValue());
                    }
                }
            }

            int puts = s3.putCount();
            System.out.printf("CrashResumeIT: killed at %d completed (%d puts), %d completed after restart, %d puts for %d files%n",
                    seenCompleted.get(), putsAtKill, afterRestart.path("file_stats").path("completed").asInt(), puts, total);
            // Only a file whose PUT landed but whose completion was not yet committed at the kill is sent twice: at most
            // one per delivery thread, i.e. the pool (parallelism) plus the split thread itself (CallerRuns when the queue is full).
            assertThat(puts).as("writes to the bucket (%d at the kill)", putsAtKill).isBetween(total, total + PARALLELISM + 1);
        }
    }
}
