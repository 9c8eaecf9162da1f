package io.exporthub.sink.dify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dify fails in the ways it does (a gateway's 502, a 500 after the document was made, answers
 * that never come), and the service itself stops in the middle of a task: after the rerun, and
 * after the restart, the dataset holds exactly one document per file, with the file's content.
 */
class DifyRecoveryTest {

    private static final String KEY = "dataset-recovery-key";

    @TempDir
    Path home;

    FakeDify dify;
    TestDatabase db;
    Map<String, String> props;
    ExportHubService service;
    ApiClient api;
    FakeDify.Dataset dataset;
    long connector;
    Map<String, String> texts = new LinkedHashMap<>();
    Map<String, String> hashes = new LinkedHashMap<>();

    @BeforeEach
    void start() throws Exception {
        dify = new FakeDify(KEY).start();
        db = TestDatabase.h2(home);
        props = ExportHubService.defaults(home, db);
        props.put("exporthub.dify.timeout", "1000");
        // a stopping service waits only briefly for files in flight, so that some are left running
        props.put("camel.main.shutdownTimeout", "1");
        service = ExportHubService.start(home, props);
        api = service.api();
        dataset = dify.createDataset("Recovery");
        connector = Tasks.createConnector(api, "kb", "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY));
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        dify.close();
        db.close();
    }

    List<Map<String, Object>> files(int parsed, int raw) throws Exception {
        List<Map<String, Object>> files = new ArrayList<>();
        for (int i = 0; i < parsed; i++) {
            String relative = "docs/chapter-" + i + ".pdf";
            Volumes.parsed(service.volume(), relative, 1 + i % 3);
            texts.put("chapter-" + i + ".pdf", DifyExportTest.expectedText(relative, 1 + i % 3));
            files.add(Tasks.file("p" + i, relative, false));
        }
        for (int i = 0; i < raw; i++) {
            String relative = "raw/sheet-" + i + ".csv";
            hashes.put("sheet-" + i + ".csv", Volumes.sha256(Volumes.raw(service.volume(), relative, 500 + 31L * i, 100 + i)));
            files.add(Tasks.file("r" + i, relative, true));
        }
        return files;
    }

    String task(List<Map<String, Object>> files) {
        return Tasks.createTask(api, Tasks.create("recovery", connector, "kb", 1,
                Map.of("dify_config", Map.of("dataset_id", dataset.id, "dataset_name", "Recovery")), files));
    }

    void assertOneDocumentPerFile() throws Exception {
        // answers Dify still held back may yet change a document: wait until it has done all it was asked
        await().atMost(Duration.ofSeconds(30)).until(() -> dify.busy() == 0);
        List<String> names = new ArrayList<>(texts.keySet());
        names.addAll(hashes.keySet());
        assertThat(dataset.documents()).extracting(FakeDify.Document::name).containsExactlyInAnyOrderElementsOf(names);
        for (FakeDify.Document document : dataset.documents()) {
            if (texts.containsKey(document.name())) {
                assertThat(document.text()).as(document.name()).isEqualTo(texts.get(document.name()));
            } else {
                assertThat(Volumes.sha256(new ByteArrayInputStream(document.bytes()))).as(document.name()).isEqualTo(hashes.get(document.name()));
            }
        }
        assertThat(dify.violations()).isEmpty();
    }

    @Test
    void injectedFailuresThenARerunLeaveOneDocumentPerFile() throws Exception {
        List<Map<String, Object>> files = files(16, 4);
        // a gateway in front of Dify fails every listing for a while: the first files give up
        dify.failFor("listDocuments", Duration.ofMillis(1500), Fault.badGateway());
        // Dify makes the document, then answers 500: the retry must find it, not make another
        dify.fail("createDocumentFromText", 3, Fault.serverError().afterApplying());
        // Dify answers after the client's timeout, and makes the document after the retry made it
        dify.fail("createDocumentFromFile", 2, Fault.stall(Duration.ofSeconds(3)));
        String taskId = task(files);

        JsonNode first = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(first.path("status").asInt()).as("%s", first).isEqualTo(3);
        List<JsonNode> failed = Tasks.files(api, taskId).stream().filter(f -> f.path("status").asInt() == 3).toList();
        assertThat(failed).isNotEmpty();
        // which transient fault a file runs out of retries on depends on timing: either is a give-up
        assertThat(failed).allSatisfy(f -> assertThat(f.path("details").asText())
                .matches("dify target 'kb': (list documents answered 502 \\(text/html, not Dify's JSON"
                        + "|create-by-text answered 500 internal_server_error: ).*")
                .endsWith("(gave up after 3 attempts)"));

        ApiClient.Response rerun = api.post("/export/task/" + taskId + "/rerun", (String) null);
        assertThat(rerun.status()).isEqualTo(200);
        JsonNode after = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(after.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(after.path("file_stats").path("completed").asInt()).isEqualTo(20);

        assertOneDocumentPerFile();
        // the documents Dify made before it failed were found and updated
        assertThat(dify.count("updateDocumentByText")).isGreaterThanOrEqualTo(3);
        assertThat(dataset.documents()).filteredOn(d -> d.writes() > 1).isNotEmpty();
    }

    @Test
    void aRestartInTheMiddleOfATaskResumesItWithoutASecondDocument() throws Exception {
        List<Map<String, Object>> files = files(24, 0);
        String taskId = task(files);
        await().atMost(Duration.ofMinutes(1)).until(() -> dataset.documents().size() >= 6);
        // from now on Dify makes each document but its answer never arrives before the service goes down
        dify.fail("createDocumentFromText", 1000, Fault.stall(Duration.ofMinutes(5)).afterApplying());
        await().atMost(Duration.ofMinutes(1)).until(() -> dify.held() >= 2);
        service.stop();
        int made = dataset.documents().size();
        dify.clearFaults();
        dify.release();

        service = ExportHubService.start(home, props);
        api = service.api();
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(info.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(Tasks.state(api, taskId).path("completed").asInt()).isEqualTo(24);
        assertThat(made).isLessThan(24);

        assertOneDocumentPerFile();
        // the documents made while the service went down were found by name and updated, not made again
        assertThat(Tasks.files(api, taskId)).filteredOn(f -> f.path("details").asText().endsWith("(updated)")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(dataset.documents()).filteredOn(d -> d.writes() == 2).hasSizeGreaterThanOrEqualTo(2);
    }
}
