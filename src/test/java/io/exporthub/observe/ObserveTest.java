package io.exporthub.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
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
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.health.probe-interval", "300");
        props.put("exporthub.health.probe-timeout", "1500");
        // more threads than the test's connectors that never answer, whose probes hold theirs until their own timeouts
        props.put("exporthub.health.probe-threads", "16");
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        s3.close();
        db.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, null);
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            request.header("moi-key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthNamesTheConnectorThatIsDownAndMetricsCountFinishedWork() throws Exception {
        long watched = Tasks.createConnector(api, "watched", "s3", Map.of("endpoint", s3.endpoint(), "bucket_name", "observed",
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
        assertThat(get("/observe/health").statusCode()).isEqualTo(200);

        s3.stop();
        // the connectors are probed in the background: health reports the outage within a round
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/observe/health").statusCode() == 503);
        HttpResponse<String> down = get("/observe/health", ExportHubService.ADMIN_KEY);
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode body = ApiClient.json(down.body());
        assertThat(body.path("status").asText()).isEqualTo("DOWN");
        assertThat(body.toString()).contains("connector 'watched' (s3, id " + watched + "): Unable to execute HTTP request");
        s3.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/observe/health").statusCode() == 200);

        for (int i = 0; i < 7; i++) {
            Volumes.raw(service.volume(), "m/f" + i, 100, i);
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(Tasks.file("f" + i, "m/f" + i, true));
        }
        files.add(Tasks.file("missing", "m/none", true));
        String taskId = Tasks.createTask(api, Tasks.create("metrics", watched, "watched", 2, Map.of("s3_config", Map.of("path", "")), files));
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

    @Test
    void healthWithoutAKeySaysUpOrDownOnlyAndWithAKeyOnlyTheCallersConnectors() throws Exception {
        ApiClient team = api.withKey(api.post("/key/create", Map.of("workspace", "team-health", "user_name", "hana")).data().path("key").asText());
        Tasks.createConnector(team, "team-secret-bucket", "s3", Map.of("endpoint", "http://127.0.0.1:9", "bucket_name", "gone",
                "access_key_id", "id", "access_key_secret", "secret", "path_style", true));
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/observe/health").statusCode() == 503);

        JsonNode anonymous = ApiClient.json(get("/observe/health").body());
        assertThat(anonymous.toString()).as("health without a key").isEqualTo("{\"status\":\"DOWN\"}");
        for (String path : List.of("/observe/health/live", "/observe/health/ready", "/observe/health?exposureLevel=full&stackTrace=true")) {
            assertThat(get(path).body()).as(path).doesNotContain("connector").doesNotContain("team-secret-bucket");
        }

        String mine = get("/observe/health", team.key()).body();
        assertThat(mine).contains("connector 'team-secret-bucket'").doesNotContain("watched");
        String admins = get("/observe/health", ExportHubService.ADMIN_KEY).body();
        assertThat(admins).doesNotContain("team-secret-bucket");
        assertThat(get("/observe/health", "not-a-key").statusCode()).isEqualTo(401);

        long id = team.post("/connector/list", "{}").data().path("connectors").get(0).path("id").asLong();
        assertThat(team.post("/connector/delete", Map.of("id", id)).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/observe/health").statusCode() == 200);
    }

    @Test
    void healthAnswersAtOnceWhileConnectorsDoNotAnswer() throws Exception {
        // a server that takes connections and never says a word: every probe of it waits until its timeout
        try (ServerSocket silent = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            ApiClient team = api.withKey(api.post("/key/create", Map.of("workspace", "team-silent", "user_name", "sam")).data().path("key").asText());
            for (int i = 0; i < 4; i++) {
                Tasks.createConnector(team, "mute-s3-" + i, "s3", Map.of("endpoint", "http://127.0.0.1:" + silent.getLocalPort(),
                        "bucket_name", "b-" + i, "access_key_id", "id", "access_key_secret", "secret", "path_style", true));
                Tasks.createConnector(team, "mute-mo-" + i, "matrixone", Map.of("host", "127.0.0.1", "port", silent.getLocalPort(),
                        "user", "u", "password", "p"));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String body = "";
            while (!body.contains("'mute-s3-3'") && System.nanoTime() < deadline) {
                long started = System.nanoTime();
                HttpResponse<String> health = get("/observe/health", team.key());
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(millis).as("one health request, 8 connectors not answering").isLessThan(3000);
                body = health.body();
            }
            for (int i = 0; i < 4; i++) {
                assertThat(body).contains("connector 'mute-s3-" + i + "'").contains("connector 'mute-mo-" + i + "'");
            }
            assertThat(body).contains("no answer within 1500 ms");
            for (JsonNode connector : team.post("/connector/list", "{}").data().path("connectors")) {
                team.post("/connector/delete", Map.of("id", connector.path("id").asLong()));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/observe/health").statusCode() == 200);
    }
}
