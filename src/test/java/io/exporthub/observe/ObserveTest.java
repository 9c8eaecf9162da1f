package io.exporthub.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

/** What an operator sees: health naming a connector that is down, metrics of finished work. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObserveTest {

    @TempDir
    static Path home;

    S3Server s3;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        s3 = new S3Server(home.resolve("s3"));
        s3.start();
        s3.createBucket("observed");
        db = TestDatabase.h2(home);
        service = ExportHubService.start(home, ExportHubService.defaults(home, db));
        api = service.api();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        s3.close();
        db.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthNamesTheConnectorThatIsDownAndMetricsCountFinishedWork() throws Exception {
        Tasks.createConnector(api, "watched", "s3", Map.of("endpoint", s3.endpoint(), "bucket_name", "observed",
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
        assertThat(get("/observe/health").statusCode()).isEqualTo(200);

        s3.stop();
        HttpResponse<String> down = get("/observe/health");
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode body = ApiClient.json(down.body());
        assertThat(body.path("status").asText()).isEqualTo("DOWN");
        assertThat(body.toString()).contains("connector 'watched' (s3, id 1): Unable to execute HTTP request");
        s3.start();
        assertThat(get("/observe/health").statusCode()).isEqualTo(200);

        for (int i = 0; i < 7; i++) {
            Volumes.raw(service.volume(), "m/f" + i, 100, i);
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(Tasks.file("f" + i, "m/f" + i, true));
        }
        files.add(Tasks.file("missing", "m/none", true));
        String taskId = Tasks.createTask(api, Tasks.create("metrics", 1, "watched", 2, Map.of("s3_config", Map.of("path", "")), files));
        assertThat(Tasks.awaitFinished(api, taskId, Duration.ofSeconds(30)).path("status").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = get("/observe/metrics").body();
            assertThat(metrics).contains("exporthub_files{status=\"completed\"} 7.0")
                    .contains("exporthub_files{status=\"failed\"} 1.0")
                    .contains("exporthub_tasks{status=\"failed\"} 1.0")
                    .contains("exporthub_delivery_seconds_count{target=\"s3\"} 7")
                    .contains("exporthub_queue_depth 0.0");
        });
    }
}
