package io.exporthub.sink.dify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.CapturedLogs;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import io.exporthub.testing.dify.FakeDify;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processing results and raw files to a Dify knowledge base through the HTTP API: one document
 * per file under the file's exact name, the blocks' exact text, the raw bytes intact, every
 * request as Dify's OpenAPI document describes it; a second export of the same files updates
 * those documents instead of adding any.
 */
class DifyExportTest {

    private static final String KEY = "dataset-Vq3Lr8yZ";

    @TempDir
    Path home;

    FakeDify dify;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    CapturedLogs logs;

    @BeforeEach
    void start() throws Exception {
        logs = CapturedLogs.start();
        dify = new FakeDify(KEY).start();
        db = TestDatabase.h2(home);
        service = ExportHubService.start(home, ExportHubService.defaults(home, db));
        api = service.api();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        dify.close();
        db.close();
        logs.close();
    }

    long connector(String name) {
        return Tasks.createConnector(api, name, "dify", Map.of("api_url", dify.apiUrl(), "api_key", KEY,
                "embedding_model_provider", "langgenius/openai/openai"));
    }

    static String expectedText(String relative, int blocks) {
        List<String> parts = new ArrayList<>(List.of("Title of " + relative));
        for (int i = 0; i < blocks; i++) {
            parts.add("Block " + i + " of " + relative);
        }
        return String.join("\n\n", parts);
    }

    @Test
    void everyFileBecomesOneDocumentUnderItsNameWithItsExactContent() throws Exception {
        Path volume = service.volume();
        Map<String, String> texts = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        // names that Dify's LIKE search confuses ('_' and '%' match anything) must still find only their own document
        List<String> parsedNames = new ArrayList<>(List.of("report_1.pdf", "report-1.pdf", "Q3 50% growth.docx"));
        for (int i = 2; parsedNames.size() < 20; i++) {
            parsedNames.add("report-" + i + ".pdf");
        }
        for (int i = 0; i < parsedNames.size(); i++) {
            String relative = "parsed/" + (i % 3) + "/" + parsedNames.get(i);
            Volumes.parsed(volume, relative, 2 + i % 4);
            texts.put(parsedNames.get(i), expectedText(relative, 2 + i % 4));
            files.add(Tasks.file("p" + i, relative, false));
        }
        List<String> rawNames = List.of("scan-0.pdf", "scan-1.pdf", "notes.txt", "年度报告 2024.docx", "handbook.pdf");
        for (int i = 0; i < rawNames.size(); i++) {
            String relative = "raw/" + rawNames.get(i);
            long size = i == 4 ? 3L * 1024 * 1024 + 5 : 1000 + i * 7919L;
            hashes.put(rawNames.get(i), Volumes.sha256(Volumes.raw(volume, relative, size, i)));
            files.add(Tasks.file("r" + i, relative, true));
        }

        FakeDify.Dataset dataset = dify.createDataset("Manuals");
        long connector = connector("kb");
        Map<String, Object> difyConfig = Map.of("dataset_id", dataset.id, "dataset_name", "Manuals", "embedding_model", "text-embedding-3-large");
        String taskId = Tasks.createTask(api, Tasks.create("to dify", connector, "kb", 1,
                Map.of("dify_config", difyConfig, "merge_title_to_text", false), files));

        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(2));
        assertThat(info.path("status").asInt()).as("task %s, files %s", info, Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(25);
        for (JsonNode file : Tasks.files(api, taskId)) {
            assertThat(file.path("details").asText()).startsWith("exported to dify dataset 'Manuals' (" + dataset.id + ") as document ")
                    .endsWith("(created)");
        }

        assertThat(dataset.documents()).extracting(FakeDify.Document::name)
                .containsExactlyInAnyOrderElementsOf(concat(texts.keySet(), hashes.keySet()));
        for (FakeDify.Document document : dataset.documents()) {
            assertThat(document.writes()).as(document.name()).isEqualTo(1);
            JsonNode settings = document.settings();
            assertThat(settings.path("indexing_technique").asText()).isEqualTo("high_quality");
            assertThat(settings.path("doc_form").asText()).isEqualTo("text_model");
            assertThat(settings.path("process_rule").toString()).isEqualTo("{\"mode\":\"automatic\"}");
            assertThat(settings.path("embedding_model").asText()).isEqualTo("text-embedding-3-large");
            assertThat(settings.path("embedding_model_provider").asText()).isEqualTo("langgenius/openai/openai");
            if (texts.containsKey(document.name())) {
                assertThat(document.text()).as(document.name()).isEqualTo(texts.get(document.name()));
            } else {
                assertThat(document.fileName()).isEqualTo(document.name());
                assertThat(Volumes.sha256(new java.io.ByteArrayInputStream(document.bytes()))).as(document.name())
                        .isEqualTo(hashes.get(document.name()));
            }
        }
        // the dataset is read once for the task, not once per file
        assertThat(dify.count("getDatasetDetail")).isEqualTo(1);
        assertThat(dify.count("createDocumentFromText")).isEqualTo(20);
        assertThat(dify.count("createDocumentFromFile")).isEqualTo(5);
        assertThat(dify.violations()).isEmpty();

        // the same files again, one of them changed: every document is updated in place, none added
        Files.writeString(volume.resolve("raw/notes.txt"), "second edition\n");
        String again = Tasks.createTask(api, Tasks.create("to dify again", connector, "kb", 6,
                Map.of("dify_config", difyConfig), files));
        assertThat(Tasks.awaitFinished(api, again, Duration.ofMinutes(2)).path("status").asInt()).isEqualTo(2);
        assertThat(dataset.documents()).hasSize(25);
        assertThat(dataset.documents()).allSatisfy(d -> assertThat(d.writes()).as(d.name()).isEqualTo(2));
        assertThat(dataset.documents()).filteredOn(d -> d.name().equals("notes.txt")).singleElement()
                .satisfies(d -> assertThat(new String(d.bytes())).isEqualTo("second edition\n"));
        assertThat(dataset.documents()).filteredOn(d -> d.name().equals("report_1.pdf")).singleElement()
                .satisfies(d -> assertThat(d.text()).isEqualTo(texts.get("report_1.pdf")));
        assertThat(Tasks.files(api, again)).allSatisfy(f -> assertThat(f.path("details").asText()).endsWith("(updated)"));
        assertThat(dify.count("updateDocumentByText")).isEqualTo(20);
        assertThat(dify.count("updateDocumentByFile")).isEqualTo(5);
        assertThat(dify.violations()).isEmpty();

        // the dataset key goes to Dify and nowhere else
        assertThat(api.post("/connector/info", Map.of("id", connector)).body().toString()).doesNotContain(KEY);
        assertThat(api.post("/connector/list", "{}").body().toString()).doesNotContain(KEY);
        assertThat(Tasks.info(api, taskId).toString()).doesNotContain(KEY);
        assertThat(Tasks.files(api, taskId).toString()).doesNotContain(KEY);
        assertThat(logs.lines()).noneMatch(line -> line.contains(KEY));
    }

    @Test
    void titlesMergeIntoTheTextAndDocumentsTakeTheDatasetsDocForm() throws Exception {
        Path parsed = service.volume().resolve(".parsed/guide");
        Files.createDirectories(parsed);
        Files.writeString(parsed.resolve("setup.md.json"), """
                {"filename": "setup.md", "filetype": "md", "block_count": 8, "blocks": [
                  {"id": "1", "index": 1, "type": "title", "content": "Setup", "level": "h1"},
                  {"id": "2", "index": 2, "type": "text", "content": "Install the tool."},
                  {"id": "3", "index": 3, "type": "title", "content": "Options", "level": "h2"},
                  {"id": "4", "index": 4, "type": "title", "content": "Ports", "level": "h3"},
                  {"id": "5", "index": 5, "type": "text", "content": "  Port 8080 by default.\\n"},
                  {"id": "6", "index": 6, "type": "image", "content": "", "image_url": "images/6.png"},
                  {"id": "7", "index": 7, "type": "table", "content": "| a | b |"},
                  {"id": "8", "index": 8, "type": "title", "content": "Appendix", "level": "h2"}]}""");
        Files.writeString(parsed.resolve("faq.md.json"), """
                {"filename": "faq.md", "blocks": [
                  {"id": "1", "type": "title", "content": "FAQ"},
                  {"id": "2", "type": "image", "content": ""},
                  {"id": "3", "type": "text", "content": "Ask us."}]}""");
        String expectedSetup = "Setup\n\nInstall the tool.\n\nOptions\n\nPorts\n\nPort 8080 by default.\n\n| a | b |\n\nAppendix";
        String expectedFaq = "FAQ\n\nAsk us.";

        long connector = connector("kb");
        for (boolean merge : List.of(true, false)) {
            FakeDify.Dataset dataset = dify.createDataset("qa " + merge, "qa_model");
            String taskId = Tasks.createTask(api, Tasks.create("merge " + merge, connector, "kb", 1,
                    Map.of("dify_config", Map.of("dataset_id", dataset.id), "merge_title_to_text", merge),
                    List.of(Tasks.file("s", "guide/setup.md", false), Tasks.file("f", "guide/faq.md", false))));
            JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
            assertThat(info.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
            // a title merged into the next block ("title\n\ncontent") reads as the same text as blocks joined by blank lines
            assertThat(dataset.documents()).extracting(FakeDify.Document::name, FakeDify.Document::text, FakeDify.Document::docForm)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("setup.md", expectedSetup, "qa_model"),
                            org.assertj.core.groups.Tuple.tuple("faq.md", expectedFaq, "qa_model"));
            assertThat(dataset.documents()).allSatisfy(d -> assertThat(d.settings().has("embedding_model")).isFalse());
        }
        assertThat(dify.violations()).isEmpty();
    }

    @Test
    void theFilesDocumentIsFoundOnAnyPageOfDifysSearch() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("Crowded", "text_model");
        // made first, so Dify lists it last, behind 230 others whose names contain its own
        FakeDify.Document mine = dataset.seed("report.pdf", "the old report", true);
        for (int i = 0; i < 230; i++) {
            dataset.seed(i + "-report.pdf", "another report", true);
        }
        Volumes.parsed(service.volume(), "reports/report.pdf", 1);
        long connector = connector("kb");
        String taskId = Tasks.createTask(api, Tasks.create("crowded", connector, "kb", 1,
                Map.of("dify_config", Map.of("dataset_id", dataset.id)), List.of(Tasks.file("r", "reports/report.pdf", false))));
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
        assertThat(info.path("status").asInt()).as("%s", Tasks.files(api, taskId)).isEqualTo(2);
        assertThat(dataset.documents()).hasSize(231);
        assertThat(mine.text()).isEqualTo(expectedText("reports/report.pdf", 1));
        // three pages of at most 100, the keyword being the name
        assertThat(dify.calls()).filteredOn(c -> "listDocuments".equals(c.operationId())).extracting(FakeDify.Call::query)
                .containsExactly("page=1&limit=100&keyword=report.pdf", "page=2&limit=100&keyword=report.pdf",
                        "page=3&limit=100&keyword=report.pdf");
        assertThat(dify.violations()).isEmpty();
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
