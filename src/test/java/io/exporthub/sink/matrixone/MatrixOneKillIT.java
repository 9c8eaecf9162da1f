package io.exporthub.sink.matrixone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.ServiceProcess;
import io.exporthub.testing.TargetDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 100,000-block overwrite export (400 files of 250 blocks) whose service process is killed
 * (SIGKILL) in the middle, then started again on the same store: the task resumes, and the table
 * holds every block exactly once.
 */
class MatrixOneKillIT {

    private static final int FILES = 400;
    private static final int BLOCKS = 250;
    private static final int STOP_AFTER = 100;

    @TempDir
    Path home;

    @Test
    void killedMidExportResumesWithEveryBlockExactlyOnce() throws Exception {
        try (TargetDatabase target = TargetDatabase.create();
             ServiceProcess service = new ServiceProcess(home.resolve("service"), "512m", Map.of())) {
            service.start();
            List<Map<String, Object>> files = new ArrayList<>();
            for (int f = 0; f < FILES; f++) {
                String relative = "big/" + (f % 20) + "/doc-" + f + ".pdf";
                writeResult(service.volume(), relative, f);
                files.add(Tasks.file("doc-" + f, relative, false));
            }
            ApiClient api = service.api();
            long connector = Tasks.createConnector(api, "mo", "matrixone", target.connectorConfig());
            Map<String, Object> mo = MatrixOneExportTest.moConfig(target.name(), "big", true, List.of(
                    MatrixOneExportTest.mapping("file_id", "file_id"), MatrixOneExportTest.mapping("block_id", "block_id"),
                    MatrixOneExportTest.mapping("block_no", "block_no"), MatrixOneExportTest.mapping("content", "content")),
                    List.of("page_no"), 1);
            String taskId = Tasks.createTask(api, Tasks.create("big", connector, "mo", 3, Map.of("mo_config", mo), files));

            AtomicInteger completed = new AtomicInteger();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .failFast("the task finished before the stop: make it bigger",
                            () -> Tasks.info(api, taskId).path("status").asInt() != 1)
                    .until(() -> {
                        completed.set(Tasks.state(api, taskId).path("completed").asInt());
                        return completed.get() >= STOP_AFTER;
                    });
            service.kill();

            service.start();
            ApiClient restarted = service.api();
            JsonNode resumed = Tasks.info(restarted, taskId);
            assertThat(resumed.path("status").asInt()).as("task after restart: %s", resumed).isEqualTo(1);
            assertThat(resumed.path("file_stats").path("completed").asInt()).as("completed after restart")
                    .isBetween(completed.get(), FILES - 1);

            JsonNode info = Tasks.awaitFinished(restarted, taskId, Duration.ofMinutes(3));
            assertThat(info.path("status").asInt()).as("task %s", info).isEqualTo(2);
            assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(FILES);
            assertThat(info.path("file_stats").path("failed").asInt()).isZero();
            service.stop();

            assertThat(target.count("SELECT COUNT(*) FROM big")).isEqualTo((long) FILES * BLOCKS);
            assertThat(target.count("SELECT COUNT(*) FROM (SELECT DISTINCT file_id, block_id FROM big) blocks"))
                    .as("distinct blocks").isEqualTo((long) FILES * BLOCKS);
            assertThat(target.count("SELECT COUNT(*) FROM (SELECT file_id FROM big GROUP BY file_id"
                    + " HAVING COUNT(*) = " + BLOCKS + " AND MIN(block_no) = 1 AND MAX(block_no) = " + BLOCKS + ") whole"))
                    .as("files with all their blocks").isEqualTo(FILES);
        }
    }

    /** A processing result of BLOCKS text blocks, a few hundred bytes each. */
    private static void writeResult(Path volume, String relative, int file) throws Exception {
        StringBuilder json = new StringBuilder("{\"filename\":\"doc-" + file + ".pdf\",\"blocks\":[");
        for (int b = 1; b <= BLOCKS; b++) {
            json.append(b == 1 ? "" : ",").append("{\"id\":\"f").append(file).append("-b").append(b)
                    .append("\",\"index\":").append(b).append(",\"type\":\"text\",\"page_number\":").append(1 + b / 40)
                    .append(",\"content\":\"Block ").append(b).append(" of document ").append(file)
                    .append(": the quick brown fox jumps over the lazy dog, again and again and again.\"}");
        }
        Path path = volume.resolve(".parsed").resolve(relative + ".json");
        Files.createDirectories(path.getParent());
        Files.writeString(path, json.append("]}").toString());
    }
}
