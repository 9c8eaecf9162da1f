package io.exporthub.sink.dify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import io.exporthub.testing.dify.FakeDify;
import io.exporthub.testing.dify.FakeDify.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of a task that start together share one lookup of the dataset: when Dify fails that
 * request, only the file that sent it has spent an attempt, and the others ask again.
 */
class DifySharedLookupTest {

    private static final String KEY = "dataset-shared-lookup-key";

    @TempDir
    Path home;

    @Test
    void aFailedSharedLookupDoesNotSpendTheAttemptsOfTheFilesThatWaitedOnIt() throws Exception {
        try (FakeDify dify = new FakeDify(KEY).start(); TestDatabase db = TestDatabase.h2(home)) {
            Map<String, String> props = ExportHubService.defaults(home, db);
            // five attempts a file, as by default
            props.put("exporthub.retry.max-redeliveries", "4");
            try (ExportHubService service = ExportHubService.start(home, props)) {
                ApiClient api = service.api();
                FakeDify.Dataset dataset = dify.createDataset("Shared");
                long connector = Tasks.createConnector(api, "kb", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY));
                List<Map<String, Object>> files = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    Volumes.parsed(service.volume(), "docs/d" + i + ".pdf", 1);
                    files.add(Tasks.file("f" + i, "docs/d" + i + ".pdf", false));
                }
                // answers take a while, so that the files starting together wait on one lookup
                dify.latency(Duration.ofMillis(300));
                dify.fail(null, 6, Fault.serverError());
                String id = Tasks.createTask(api, Tasks.create("shared", connector, "kb", 1,
                        Map.of("dify_config", Map.of("dataset_id", dataset.id)), files));

                JsonNode info = Tasks.awaitFinished(api, id, Duration.ofMinutes(2));
                List<String> failed = Tasks.files(api, id).stream().filter(f -> f.path("status").asInt() != 2)
                        .map(f -> f.path("id").asText() + ": " + f.path("details").asText()).toList();
                assertThat(failed).isEmpty();
                assertThat(info.path("status").asInt()).isEqualTo(2);
                assertThat(dify.calls().stream().filter(c -> c.status() == 500).count()).isEqualTo(6);
                assertThat(dataset.documents()).hasSize(16);
            }
        }
    }
}
