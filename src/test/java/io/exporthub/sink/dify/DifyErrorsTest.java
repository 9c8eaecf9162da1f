package io.exporthub.sink.dify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import io.exporthub.testing.dify.FakeDify;
import io.exporthub.testing.dify.FakeDify.Fault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Dify refuses for good fails the file at once, with Dify's code and message in its details
 * and a reading of Dify's terser answers; nothing of it is retried. What the dataset already
 * holds under a file's name is dealt with: a second document of the name deleted, a failed one
 * replaced, a disabled one left to its owner.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifyErrorsTest {

    private static final String KEY = "dataset-errors-key";

    @TempDir
    static Path home;

    FakeDify dify;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    long connector;

    @BeforeAll
    void start() throws Exception {
        dify = new FakeDify(KEY).start();
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.dify.indexing-poll-interval", "100");
        service = ExportHubService.start(home, props);
        api = service.api();
        connector = Tasks.createConnector(api, "kb", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY));
        Volumes.parsed(service.volume(), "docs/a.pdf", 2);
        Volumes.parsed(service.volume(), "docs/b.pdf", 3);
        Volumes.raw(service.volume(), "raw/diagram.png", 2048, 1);
        Volumes.raw(service.volume(), "raw/big.pdf", 4096, 2);
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        dify.close();
        db.close();
    }

    @BeforeEach
    void fresh() {
        dify.clearFaults();
        dify.resetCounts();
    }

    @AfterEach
    void conforming() {
        assertThat(dify.violations()).isEmpty();
    }

    Map<String, JsonNode> run(long connectorId, String datasetId, List<Map<String, Object>> files) {
        String taskId = Tasks.createTask(api, Tasks.create("errors", connectorId, null, 1,
                Map.of("dify_config", Map.of("dataset_id", datasetId)), files));
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
        assertThat(info.path("status").asInt()).isIn(2, 3);
        Map<String, JsonNode> byId = new HashMap<>();
        Tasks.files(api, taskId).forEach(f -> byId.put(f.path("id").asText(), f));
        return byId;
    }

    @Test
    void aPermanentRefusalFailsTheFileAtOnceWithDifysMessage() {
        FakeDify.Dataset dataset = dify.createDataset("no provider");
        dify.fail("createDocumentFromText", 100, Fault.error(400, "provider_not_initialize",
                "No valid model provider credentials found. Please go to Settings -> Model Provider to complete your provider credentials."));
        Map<String, JsonNode> files = run(connector, dataset.id, List.of(Tasks.file("a", "docs/a.pdf", false), Tasks.file("b", "docs/b.pdf", false)));

        assertThat(files.values()).allSatisfy(f -> {
            assertThat(f.path("status").asInt()).isEqualTo(3);
            assertThat(f.path("details").asText()).isEqualTo("dify target 'kb': create-by-text answered 400 provider_not_initialize: "
                    + "No valid model provider credentials found. Please go to Settings -> Model Provider to complete your provider credentials.");
        });
        // one dataset read for the task, then per file one search and one create: no retry
        assertThat(dify.count("getDatasetDetail")).isEqualTo(1);
        assertThat(dify.count("listDocuments")).isEqualTo(2);
        assertThat(dify.count("createDocumentFromText")).isEqualTo(2);
        assertThat(dify.calls()).hasSize(5);
        assertThat(dataset.documents()).isEmpty();
    }

    @Test
    void aPermanentRefusalAfterATransientFailureEndsTheRetries() {
        FakeDify.Dataset dataset = dify.createDataset("flaky, then no provider");
        dify.fail("createDocumentFromText", 1, Fault.serverError());
        dify.fail("createDocumentFromText", 100, Fault.error(400, "provider_not_initialize", "No valid model provider credentials found."));
        Map<String, JsonNode> files = run(connector, dataset.id, List.of(Tasks.file("a", "docs/a.pdf", false)));

        assertThat(files.get("a").path("status").asInt()).isEqualTo(3);
        assertThat(files.get("a").path("details").asText()).isEqualTo("dify target 'kb': create-by-text answered 400 provider_not_initialize: "
                + "No valid model provider credentials found. (gave up after 2 attempts)");
        // retried once for the 500, not again for the 400
        assertThat(dify.count("createDocumentFromText")).isEqualTo(2);
    }

    @Test
    void difysTerseAnswersToUploadsAreExplained() {
        FakeDify.Dataset dataset = dify.createDataset("uploads");
        // a proxy in front of Dify refuses the body before Dify sees it
        dify.fail("createDocumentFromFile", 1, Fault.proxyTooLarge());
        JsonNode big = run(connector, dataset.id, List.of(Tasks.file("big", "raw/big.pdf", true))).get("big");
        assertThat(big.path("details").asText()).isEqualTo("dify target 'kb': create-by-file answered 413 (text/html, not Dify's JSON: "
                + "a proxy or gateway in front of Dify answered). The file is larger than the proxy in front of Dify accepts "
                + "(nginx client_max_body_size); raise that limit or send a smaller file");
        assertThat(dify.count("createDocumentFromFile")).isEqualTo(1);

        // Dify refuses a type it does not take with a 400 that has no message
        dify.resetCounts();
        JsonNode png = run(connector, dataset.id, List.of(Tasks.file("png", "raw/diagram.png", true))).get("png");
        assertThat(png.path("details").asText()).isEqualTo("dify target 'kb': create-by-file answered 400 invalid_param: (no message). "
                + "Dify gives no reason when the file's type is not supported or the file is larger than its upload limit "
                + "(UPLOAD_FILE_SIZE_LIMIT, 15 MB by default)");
        assertThat(dify.count("createDocumentFromFile")).isEqualTo(1);
        assertThat(dataset.documents()).isEmpty();
    }

    @Test
    void anUnknownDatasetOrAWrongKeyIsSaidSo() {
        String missing = UUID.randomUUID().toString();
        Map<String, JsonNode> files = run(connector, missing, List.of(Tasks.file("a", "docs/a.pdf", false), Tasks.file("b", "docs/b.pdf", false)));
        assertThat(files.values()).allSatisfy(f -> assertThat(f.path("details").asText())
                .isEqualTo("dify target 'kb': get dataset answered 404 not_found: Dataset not found. Check dify_config.dataset_id "
                        + "and that the connector's key belongs to the dataset's workspace"));
        // not retried: at most one read per file (files that start together share one), and nothing else
        assertThat(dify.count("getDatasetDetail")).isBetween(1L, 2L);
        assertThat(dify.calls()).hasSize((int) dify.count("getDatasetDetail"));

        dify.resetCounts();
        FakeDify.Dataset dataset = dify.createDataset("locked");
        long wrongKey = Tasks.createConnector(api, "wrong key", "dify", Map.of("api_url", dify.apiUrl(), "api_key", "dataset-not-this-one"));
        JsonNode refused = run(wrongKey, dataset.id, List.of(Tasks.file("a", "docs/a.pdf", false))).get("a");
        assertThat(refused.path("details").asText()).isEqualTo("dify target 'wrong key': get dataset answered 401 unauthorized: "
                + "Access token is invalid. Check the connector's api_key: it must be a knowledge base (dataset) API key of this Dify");
        assertThat(dify.calls()).hasSize(1);
    }

    @Test
    void waitingForIndexingReportsDifysIndexingError() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("indexed");
        long waiting = Tasks.createConnector(api, "kb waits", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY, "wait_for_indexing", true));
        dify.indexingTime(Duration.ofMillis(500));
        dify.failIndexing("b.pdf", "Your embedding model quota is used up.");
        try {
            Map<String, JsonNode> files = run(waiting, dataset.id, List.of(Tasks.file("a", "docs/a.pdf", false), Tasks.file("b", "docs/b.pdf", false)));
            assertThat(files.get("a").path("status").asInt()).isEqualTo(2);
            String documentB = dataset.documents().stream().filter(d -> d.name().equals("b.pdf")).findFirst().orElseThrow().id();
            assertThat(files.get("b").path("details").asText()).isEqualTo("dify target 'kb waits': Dify could not index document 'b.pdf' ("
                    + documentB + "): Your embedding model quota is used up.");
            // both were polled until Dify was done, a: completed, b: error
            assertThat(dify.count("getDocumentIndexingStatus")).isGreaterThanOrEqualTo(4);
            assertThat(dataset.documents()).allSatisfy(d -> assertThat(d.indexingStatus()).isIn("completed", "error"));
        } finally {
            dify.indexingTime(Duration.ZERO);
        }
    }

    @Test
    void whatTheDatasetHoldsUnderAFilesNameIsDealtWith() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("held", "text_model");
        FakeDify.Document kept = dataset.seed("a.pdf", "old a", true);
        FakeDify.Document second = dataset.seed("a.pdf", "another old a", true);
        second.indexingFailed("the second one failed");
        FakeDify.Document failed = dataset.seed("b.pdf", "old b", true);
        failed.indexingFailed("Dify failed to index the old b");
        FakeDify.Document disabled = dataset.seed("big.pdf", "old big", false);

        Map<String, JsonNode> files = run(connector, dataset.id, List.of(Tasks.file("a", "docs/a.pdf", false),
                Tasks.file("b", "docs/b.pdf", false), Tasks.file("big", "raw/big.pdf", true)));

        // a: the available one is updated, the second of its name deleted
        assertThat(files.get("a").path("details").asText()).endsWith("as document " + kept.id() + " (updated)");
        // b: a document Dify failed to index cannot be updated: it is replaced
        assertThat(files.get("b").path("details").asText()).endsWith("(created)").doesNotContain(failed.id());
        // big.pdf: disabled by someone, which is theirs to undo
        assertThat(files.get("big").path("status").asInt()).isEqualTo(3);
        assertThat(files.get("big").path("details").asText()).isEqualTo("dify target 'kb': document 'big.pdf' (" + disabled.id()
                + ") is disabled in Dify, which then refuses updates; enable or delete it there, then rerun");
        assertThat(dataset.documents()).extracting(FakeDify.Document::name).containsExactlyInAnyOrder("a.pdf", "b.pdf", "big.pdf");
        assertThat(dataset.documents()).extracting(FakeDify.Document::id).contains(kept.id(), disabled.id())
                .doesNotContain(second.id(), failed.id());
        assertThat(kept.text()).isEqualTo(DifyExportTest.expectedText("docs/a.pdf", 2));
        assertThat(dify.count("deleteDocument")).isEqualTo(2);
        assertThat(Files.exists(service.volume().resolve("raw/big.pdf"))).isTrue();
    }
}
