package io.exporthub.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A graceful stop in the middle of a task leaves no file running, and the next start finishes the task. */
class GracefulShutdownTest {

    @TempDir
    Path home;

    @Test
    void noFileIsLeftRunning() throws Exception {
        try (TestDatabase db = TestDatabase.h2(home)) {
            Map<String, String> props = ExportHubService.defaults(home, db);
            props.put("exporthub.pipeline.parallelism", "2");
            props.put("camel.main.shutdownTimeout", "5");
            ExportHubService service = ExportHubService.start(home, props);
            ApiClient api = service.api();
            List<Map<String, Object>> files = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                Volumes.raw(service.volume(), "g/f" + i, 1_000_000, i);
                files.add(Tasks.file("f" + i, "g/f" + i, true));
            }
            long connector = Tasks.createConnector(api, "dir", "local", Map.of("directory", "g"));
            String taskId = Tasks.createTask(api, Tasks.create("graceful", connector, "dir", 100, Map.of("local_config", Map.of("path", "")), files));
            await().atMost(Duration.ofSeconds(30)).until(() -> Tasks.state(api, taskId).path("completed").asInt() >= 5);
            service.stop();

            long[] counts = counts(db, taskId);
            assertThat(counts[1]).as("running after the stop").isZero();
            assertThat(counts[0] + counts[2]).isEqualTo(150);
            assertThat(counts[0]).as("pending: the stop came mid-task").isPositive();

            service.start();
            assertThat(Tasks.awaitFinished(api, taskId, Duration.ofSeconds(60)).path("status").asInt()).isEqualTo(2);
            service.stop();
        }
    }

    /** pending, running, completed. */
    private static long[] counts(TestDatabase db, String taskId) throws Exception {
        long[] counts = new long[4];
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, COUNT(*) FROM export_task_files WHERE task_id = '" + taskId + "' GROUP BY status")) {
            while (rs.next()) {
                counts[rs.getInt(1)] = rs.getLong(2);
            }
        }
        return counts;
    }
}
