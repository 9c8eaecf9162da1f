package io.exporthub.sink.dify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import io.exporthub.testing.dify.FakeDify;
import io.exporthub.testing.dify.FakeDify.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dify's rate limit in the middle of a task, as Dify Cloud answers it (403 "knowledge base request
 * rate limit") and as a server with a limiter does (429): the connector pauses (2 s here, a
 * minute by default) and then probes with a single request, so few requests reach Dify while it
 * is limited, and every file still completes although each may be retried only twice. The
 * connector's cap bounds the requests in flight however many workers there are.
 */
class DifyRateLimitTest {

    private static final String KEY = "dataset-rate-key";
    private static final int FILES = 24;
    private static final long PAUSE = 2000;

    @TempDir
    Path home;

    FakeDify dify;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;

    @BeforeEach
    void start() throws Exception {
        dify = new FakeDify(KEY).start();
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.dify.rate-limit-pause", String.valueOf(PAUSE));
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        dify.close();
        db.close();
    }

    static Stream<Arguments> limits() {
        return Stream.of(Arguments.of("Dify Cloud's 403", Fault.cloudRateLimit()), Arguments.of("429", Fault.tooManyRequests()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void aRateLimitPausesTheConnectorAndEveryFileStillCompletes(String what, Fault limit) throws Exception {
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Volumes.parsed(service.volume(), "kb/page-" + i + ".html", 2);
            files.add(Tasks.file("f" + i, "kb/page-" + i + ".html", false));
        }
        FakeDify.Dataset dataset = dify.createDataset("Limited");
        long connector = Tasks.createConnector(api, "kb", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY));
        String taskId = Tasks.createTask(api, Tasks.create("limited", connector, "kb", 6,
                Map.of("dify_config", Map.of("dataset_id", dataset.id)), files));

        await().atMost(Duration.ofMinutes(1)).until(() -> dataset.documents().size() >= 4);
        dify.rateLimit(Duration.ofMillis(3500), limit);

        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(info.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(FILES);
        assertThat(dataset.documents()).hasSize(FILES);

        List<FakeDify.Call> limited = dify.callsDuringRateLimit();
        List<FakeDify.Call> refused = dify.calls().stream().filter(c -> c.status() == limit.status()).toList();
        assertThat(refused).as("refused requests").isNotEmpty();
        // the requests already on their way (4 at most, the connector's cap), then one probe per pause: 4 + 2,
        // where retrying each file would have sent dozens
        assertThat(limited).as("requests while Dify was limited: %s", limited).hasSizeLessThanOrEqualTo(7);
        // after the first refusal nothing reaches Dify until the pause is over
        long first = refused.get(0).at();
        assertThat(dify.calls()).filteredOn(c -> c.at() > first + 300 && c.at() < first + PAUSE - 100).isEmpty();
        assertThat(dify.violations()).isEmpty();
    }

    @Test
    void theConnectorsCapBoundsTheRequestsInFlight() throws Exception {
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Volumes.parsed(service.volume(), "cap/page-" + i + ".html", 1);
            files.add(Tasks.file("f" + i, "cap/page-" + i + ".html", false));
        }
        FakeDify.Dataset dataset = dify.createDataset("Capped");
        long connector = Tasks.createConnector(api, "capped", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY, "max_concurrency", 2));
        // every answer takes a while, so that the service's 4 workers would overlap if let
        dify.failFor(null, Duration.ofMinutes(5), Fault.stall(Duration.ofMillis(150)));
        String taskId = Tasks.createTask(api, Tasks.create("capped", connector, "capped", 1,
                Map.of("dify_config", Map.of("dataset_id", dataset.id)), files));
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(info.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(dataset.documents()).hasSize(12);
        assertThat(dify.peakBusy()).isEqualTo(2);
        assertThat(dify.violations()).isEmpty();
    }
}
