package io.exporthub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served OpenAPI document is valid, names exactly the operations the routes serve, and real
 * answers of the service (successes and errors of both APIs) validate against it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {

    private static final String KEY = ExportHubService.ADMIN_KEY;

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    String document;
    OpenApiInteractionValidator validator;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        service = ExportHubService.start(home, ExportHubService.defaults(home, db));
        HttpResponse<String> served = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/byoa/api/v1/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        document = served.body();
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(document).build();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    @Test
    void theDocumentIsValidOpenApi3() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(document, null, options);
        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.0");
    }

    @Test
    void everyRouteHasAnOperationAndEveryOperationARoute() {
        TreeSet<String> routes = new TreeSet<>();
        for (RestDefinition rest : ((ModelCamelContext) service.context()).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                routes.add(verb.asVerb() + " " + rest.getPath() + verb.getPath());
            }
        }
        TreeSet<String> operations = new TreeSet<>();
        TreeSet<String> operationIds = new TreeSet<>();
        JsonNode paths = ApiClient.json(document).path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> v = path.getValue().fields(); v.hasNext(); ) {
                Map.Entry<String, JsonNode> verb = v.next();
                operations.add(verb.getKey() + " " + path.getKey());
                assertThat(operationIds.add(verb.getValue().path("operationId").asText()))
                        .as("operationId of %s %s is there and unique", verb.getKey(), path.getKey()).isTrue();
            }
        }
        assertThat(routes).contains("post /byoa/api/v1/export/task/create", "get /oserve/v1/table/");
        assertThat(operations).isEqualTo(routes);
    }

    @Test
    void answersOfTheMoiApiMatchTheDocument() throws Exception {
        Volumes.raw(service.volume(), "docs/a.txt", 10, 1);
        JsonNode connector = call("POST", "/byoa/api/v1/connector/create", KEY,
                "{\"name\": \"out\", \"kind\": \"local\", \"config\": {\"directory\": \"out\"}}", 200);
        call("POST", "/byoa/api/v1/connector/list", KEY, "{}", 200);
        call("POST", "/byoa/api/v1/connector/info", KEY, "{\"id\": " + connector.path("data").path("id") + "}", 200);

        String taskId = call("POST", "/byoa/api/v1/export/task/create", KEY, """
                {"task_name": "t", "creator": "admin", "connector_name": "out", "type": 100,
                 "config": {"local_config": {"path": "p"}},
                 "files": [{"file_id": "a", "full_path": ["docs", "a.txt"], "is_raw": true},
                           {"file_id": "b", "full_path": ["docs", "missing.txt"], "is_raw": true}]}""", 200)
                .path("data").path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                call("GET", "/byoa/api/v1/export/task/" + taskId + "/state", KEY, null, 200).path("data").path("running").asInt() == 0
                        && call("GET", "/byoa/api/v1/export/task/" + taskId + "/state", KEY, null, 200).path("data").path("pending").asInt() == 0);
        call("POST", "/byoa/api/v1/export/task/info", KEY, "{\"id\": \"" + taskId + "\"}", 200);
        JsonNode files = call("POST", "/byoa/api/v1/export/task/files", KEY, "{\"task_id\": \"" + taskId + "\"}", 200);
        assertThat(files.path("data").path("files")).hasSize(2);
        call("POST", "/byoa/api/v1/export/task/list", KEY, "{\"statuses\": [3]}", 200);
        call("POST", "/byoa/api/v1/export/task/" + taskId + "/rerun", KEY, null, 200);
        call("GET", "/byoa/api/v1/schedule/list", KEY, null, 200);

        call("POST", "/byoa/api/v1/export/task/create", KEY, "{\"task_name\": \"t\"}", 400);
        call("POST", "/byoa/api/v1/export/task/list", null, "{}", 401);
        call("POST", "/byoa/api/v1/export/task/info", KEY, "{\"id\": \"no-such-task\"}", 404);
        call("POST", "/byoa/api/v1/connector/info", KEY, "{\"id\": 999}", 404);
        call("POST", "/byoa/api/v1/export/task/delete", KEY, "{\"id\": \"" + taskId + "\"}", 200);
    }

    @Test
    void answersOfTheMinAppApiMatchTheDocument() throws Exception {
        for (String base : new String[] {"/userve", "/oserve"}) {
            long tableId = call("POST", base + "/v1/table/", KEY, """
                    {"name": "items", "schema": {"fields": [{"name": "name", "type": "string"},
                     {"name": "tags", "type": "array", "items": {"type": "string"}}]}}""", 201).path("id").asLong();
            call("GET", base + "/v1/table/", KEY, null, 200);
            call("GET", base + "/v1/table/" + tableId + "/", KEY, null, 200);
            String jobId = call("POST", base + "/v1.5/table/" + tableId + "/export/", KEY,
                    "{\"file_type\": \"csv\", \"mode\": \"all\"}", 201).path("job_id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> call("GET", base + "/v1.5/table/" + tableId + "/export/" + jobId + "/", KEY, null, 200)
                    .path("status").asText().equals("finish"));
            call("GET", base + "/v1.5/table/" + tableId + "/export/", KEY, null, 200);

            call("POST", base + "/v1.5/table/" + tableId + "/export/", KEY, "{\"file_type\": \"pdf\", \"mode\": \"all\"}", 400);
            call("GET", base + "/v1/table/", null, null, 401);
            call("GET", base + "/v1/table/987654/", KEY, null, 404);
            call("GET", base + "/v1.5/table/" + tableId + "/export/" + "x".repeat(32) + "/", KEY, null, 404);
            call("DELETE", base + "/v1/table/" + tableId + "/", KEY, null, 204);
        }
    }

    /** Sends a JSON call, checks its status, and checks the request (if meant to be good) and the answer against the document. */
    private JsonNode call(String method, String path, String key, String json, int expectedStatus) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        SimpleRequest.Builder described = new SimpleRequest.Builder(Request.Method.valueOf(method), path);
        if (json != null) {
            request.header("Content-Type", "application/json");
            described.withContentType("application/json").withBody(json);
        }
        if (key != null) {
            request.header("moi-key", key);
            described.withHeader("moi-key", key);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expectedStatus);
        SimpleResponse.Builder answer = new SimpleResponse.Builder(response.statusCode());
        response.headers().firstValue("Content-Type").ifPresent(answer::withContentType);
        if (!response.body().isEmpty()) {
            answer.withBody(response.body());
        }
        // a bad request is bad on purpose: only its answer is held to the document
        ValidationReport report = expectedStatus >= 400
                ? validator.validateResponse(path, Request.Method.valueOf(method), answer.build())
                : validator.validate(described.build(), answer.build());
        assertThat(report.getMessages()).as("%s %s answered %s", method, path, response.body()).isEmpty();
        return response.body().isEmpty() ? ApiClient.json("{}") : ApiClient.json(response.body());
    }
}
