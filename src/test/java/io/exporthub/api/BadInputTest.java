package io.exporthub.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input the contract names gets a 4xx whose message names the field, and stores
 * nothing; other workspaces' tasks do not exist for the caller.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    long local;
    long s3;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("camel.server.maxBodySize", "1048576");
        props.put("exporthub.task.max-files", "1000");
        service = ExportHubService.start(home, props);
        api = service.api();
        local = Tasks.createConnector(api, "out", "local", Map.of("directory", "out"));
        s3 = Tasks.createConnector(api, "bucket", "s3", Map.of("endpoint", "http://127.0.0.1:9", "bucket_name", "b-1",
                "access_key_id", "id", "access_key_secret", "very-secret-value", "path_style", true));
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    static final String DATASET = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
    static final String GOOD_FILES = "[{\"file_id\":\"f1\",\"full_path\":[\"a\",\"b.pdf\"],\"is_raw\":true}]";

    static String task(String fields) {
        return "{\"task_name\":\"t\",\"creator\":\"me\"," + fields + "}";
    }

    static Arguments bad(String body, int status, String message) {
        return Arguments.of(body, status, message);
    }

    static List<Arguments> badCreates() {
        String conn = "\"connector_id\":1,\"connector_name\":\"out\",";
        String s3conn = "\"connector_id\":2,\"connector_name\":\"bucket\",";
        String local = "\"config\":{\"local_config\":{\"path\":\"x\"}},";
        return List.of(
                bad("{\"task_name\": ", 400, "request body: malformed JSON at line 1, column 15"),
                bad("[1, 2]", 400, "request body: expected a JSON object"),
                bad("", 400, "request body: empty body, expected a JSON object"),
                bad("{\"creator\":\"me\"," + conn + "\"type\":100," + local + "\"files\":" + GOOD_FILES + "}", 400, "task_name: is required"),
                bad(task(conn + "\"type\":\"100\"," + local + "\"files\":" + GOOD_FILES), 400, "type: must be an integer"),
                bad(task(conn + "\"type\":7," + local + "\"files\":" + GOOD_FILES), 400, "type: 7 is not a task type"),
                bad(task("\"connector_id\":999,\"type\":100," + local + "\"files\":" + GOOD_FILES), 400, "connector_id: no connector 999 in this workspace"),
                bad(task("\"connector_id\":1,\"connector_name\":\"other\",\"type\":100," + local + "\"files\":" + GOOD_FILES), 400,
                        "connector_name: 'other' does not match connector 1"),
                bad(task("\"type\":100," + local + "\"files\":" + GOOD_FILES), 400, "connector_id: is required (or give connector_name)"),
                bad(task(conn + "\"type\":2,\"config\":{\"s3_config\":{\"path\":\"x\"}},\"files\":" + GOOD_FILES), 400,
                        "connector_id: connector 'out' is of kind local, but config.s3_config of a type 2 task needs a connector of kind s3"),
                bad(task(s3conn + "\"type\":4,\"config\":{\"s3_config\":{\"path\":\"x\"}},\"files\":" + GOOD_FILES), 400,
                        "connector_id: connector 'bucket' is of kind s3, but config.s3_config of a type 4 task needs a connector of kind oss"),
                bad(task(conn + "\"type\":2,\"config\":{},\"files\":" + GOOD_FILES), 400, "config.s3_config: is required for a task of type 2"),
                bad(task(conn + "\"type\":100," + "\"files\":" + GOOD_FILES), 400, "config: is required"),
                bad(task(conn + "\"type\":100,\"config\":{\"local_config\":{\"path\":\"x\"},\"s3config\":{}},\"files\":" + GOOD_FILES), 400,
                        "config.s3config: unknown field"),
                bad(task(conn + "\"type\":1,\"config\":{\"dify_config\":{\"dataset_name\":\"kb\"}},\"files\":" + GOOD_FILES), 400,
                        "config.dify_config.dataset_id: is required"),
                bad(task(conn + "\"type\":1,\"config\":{\"dify_config\":{\"dataset_id\":\"dataset_123\"}},\"files\":" + GOOD_FILES), 400,
                        "config.dify_config.dataset_id: 'dataset_123' is not a Dify dataset id (a UUID"),
                bad(task(conn + "\"type\":6,\"config\":{\"dify_config\":{\"dataset_id\":\"" + DATASET + "\",\"top_k\":3}},\"files\":"
                        + GOOD_FILES), 400, "config.dify_config.top_k: unknown field"),
                bad(task(conn + "\"type\":1,\"config\":{\"dify_config\":{\"dataset_id\":\"" + DATASET + "\"}},\"files\":" + GOOD_FILES), 400,
                        "connector_id: connector 'out' is of kind local, but config.dify_config of a type 1 task needs a connector of kind dify"),
                bad(task(conn + "\"type\":3,\"config\":{\"mo_config\":{}},\"files\":" + GOOD_FILES), 400,
                        "config.mo_config.database_name: is required"),
                bad(task(s3conn + "\"type\":2,\"config\":{\"s3_config\":{\"path\":\"x\",\"need_compress\":true,\"compress_method\":\"rar\"}},\"files\":" + GOOD_FILES), 400,
                        "config.s3_config.compress_method: 'rar' is not supported"),
                bad(task(s3conn + "\"type\":2,\"config\":{\"s3_config\":{\"path\":\"../up\"}},\"files\":" + GOOD_FILES), 400,
                        "config.s3_config.path: '../up' has a part that is not allowed"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[]"), 400, "files: must not be empty"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"..\",\"etc\",\"passwd\"],\"is_raw\":true}]"), 400,
                        "files[0].full_path[0]: '..' leaves the volume"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"/etc/passwd\"],\"is_raw\":true}]"), 400,
                        "files[0].full_path[0]: must be relative to the volume"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"a\",\"b/../../../c\"],\"is_raw\":true}]"), 400,
                        "files[0].full_path[1]: 'b/../../../c' leaves the volume"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":\"a/b.pdf\",\"is_raw\":true}]"), 400,
                        "files[0].full_path: must be an array"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"a\"]}]"), 400,
                        "files[0].is_raw: is required"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"a\"],\"is_raw\":\"yes\"}]"), 400,
                        "files[0].is_raw: must be true or false"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[{\"full_path\":[\"a\"],\"is_raw\":true}]"), 400,
                        "files[0].file_id: is required"),
                bad(task(conn + "\"type\":100," + local + "\"files\":[" + GOOD_FILES.substring(1, GOOD_FILES.length() - 1) + ","
                        + GOOD_FILES.substring(1, GOOD_FILES.length() - 1) + "]"), 400, "files[1].file_id: 'f1' appears twice in this task"),
                bad(task(conn + "\"type\":100," + local + "\"files\":" + GOOD_FILES + ",\"type\":100"), 400, "request body: malformed JSON"));
    }

    @ParameterizedTest
    @MethodSource("badCreates")
    void badCreateIsRefusedWithTheFieldNamed(String body, int status, String message) throws Exception {
        ApiClient.Response response = api.post("/export/task/create", body);
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.body().path("code").asText()).isEqualTo("ErrParamInvalid");
        assertThat(response.msg()).startsWith(message);
        assertThat(response.body().has("data")).isTrue();
        assertNothingStored();
    }

    @Test
    void tooManyFilesAndOversizedBodies() throws Exception {
        StringBuilder files = new StringBuilder("[");
        for (int i = 0; i <= 1000; i++) {
            files.append(i == 0 ? "" : ",").append("{\"file_id\":\"f").append(i).append("\",\"full_path\":[\"a\"],\"is_raw\":true}");
        }
        ApiClient.Response tooMany = api.post("/export/task/create",
                task("\"connector_id\":1,\"type\":100,\"config\":{\"local_config\":{\"path\":\"x\"}},\"files\":" + files + "]"));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.msg()).isEqualTo("files: must have at most 1000 elements");

        String huge = task("\"connector_id\":1,\"type\":100,\"config\":{\"local_config\":{\"path\":\"x\"}},\"files\":" + GOOD_FILES
                + ",\"padding\":\"" + "x".repeat(2 * 1024 * 1024) + "\"");
        ApiClient.Response oversized = api.post("/export/task/create", huge);
        assertThat(oversized.status()).isEqualTo(413);
        assertNothingStored();
    }

    @Test
    void keysAreRequiredAndChecked() throws Exception {
        String body = task("\"connector_id\":1,\"type\":100,\"config\":{\"local_config\":{\"path\":\"x\"}},\"files\":" + GOOD_FILES);
        ApiClient.Response none = api.withKey(null).post("/export/task/create", body);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body().path("code").asText()).isEqualTo("ErrUnauthorized");
        assertThat(none.msg()).isEqualTo("missing API key: send header moi-key or Authorization: Bearer <key>");
        ApiClient.Response wrong = api.withKey("not-a-key").post("/export/task/create", body);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.msg()).isEqualTo("unknown API key");
        assertNothingStored();

        ApiClient.Response bearer = new ApiClient(service.baseUrl(), null).send(HttpRequest.newBuilder(
                        URI.create(service.baseUrl() + "/byoa/api/v1/connector/list"))
                .header("Authorization", "Bearer " + ExportHubService.ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(bearer.status()).isEqualTo(200);
        assertThat(bearer.data().path("total").asInt()).isEqualTo(2);
    }

    /** Every endpoint of the MOI and MinApp APIs, with its path parameters filled in. */
    private List<String[]> apiEndpoints() {
        List<String[]> endpoints = new ArrayList<>();
        for (RestDefinition rest : ((ModelCamelContext) service.context()).getRestDefinitions()) {
            if (rest.getPath().startsWith("/byoa") || rest.getPath().startsWith("/userve") || rest.getPath().startsWith("/oserve")) {
                for (VerbDefinition verb : rest.getVerbs()) {
                    if (verb.getPath().endsWith("/openapi.json")) {
                        continue; // the API's description, served to anyone by design
                    }
                    endpoints.add(new String[] {verb.asVerb().toUpperCase(Locale.ROOT), rest.getPath() + verb.getPath().replaceAll("\\{[^}]+}", "1")});
                }
            }
        }
        assertThat(endpoints).hasSizeGreaterThan(20);
        return endpoints;
    }

    @Test
    void aKeyCountsOnlyInTheHeaders() throws Exception {
        String key = ExportHubService.ADMIN_KEY;
        ApiClient anonymous = api.withKey(null);
        int connectors = api.post("/connector/list", "{}").data().path("total").asInt();
        String create = "{\"name\":\"smuggled\",\"kind\":\"local\",\"config\":{\"directory\":\"s\"}}";
        for (String[] endpoint : apiEndpoints()) {
            for (String query : List.of("moi-key=" + key, "Authorization=Bearer%20" + key, "authorization=bearer%20" + key)) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.baseUrl() + endpoint[1] + "?" + query))
                        .header("Content-Type", "application/json")
                        .method(endpoint[0], endpoint[0].equals("POST") ? HttpRequest.BodyPublishers.ofString(create) : HttpRequest.BodyPublishers.noBody());
                ApiClient.Response response = anonymous.send(request);
                assertThat(response.status()).as("%s %s?%s: %s", endpoint[0], endpoint[1], query, response).isEqualTo(401);
            }
        }
        // as a field of a form, multipart or urlencoded
        String boundary = "b0undary";
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"moi-key\"\r\n\r\n" + key + "\r\n--" + boundary + "--\r\n";
        for (String path : List.of("/byoa/api/v1/connector/list", "/userve/v1/table/", "/oserve/v1/table/")) {
            ApiClient.Response asPart = anonymous.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofString(multipart)));
            assertThat(asPart.status()).as("multipart field on %s: %s", path, asPart).isEqualTo(401);
            ApiClient.Response asForm = anonymous.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("moi-key=" + key)));
            assertThat(asForm.status()).as("form field on %s: %s", path, asForm).isEqualTo(401);
        }
        assertThat(api.post("/connector/list", "{}").data().path("total").asInt()).as("nothing created").isEqualTo(connectors);

        // the real headers still count, and win over anything of their name elsewhere
        ApiClient.Response header = api.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/byoa/api/v1/connector/list?moi-key=wrong"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(header.status()).as("%s", header).isEqualTo(200);
    }

    @Test
    void aWorkspaceAdminMintsKeysOnlyInItsOwnWorkspace() throws Exception {
        ApiClient.Response minted = api.post("/key/create", Map.of("workspace", "team-admin", "user_name", "alice", "admin", true));
        assertThat(minted.status()).as("the global administrator makes a workspace and its admin: %s", minted).isEqualTo(200);
        ApiClient teamAdmin = api.withKey(minted.data().path("key").asText());
        api.post("/key/create", Map.of("workspace", "team-other", "user_name", "olga"));
        long usersBefore = count("SELECT COUNT(*) FROM users");
        long workspacesBefore = count("SELECT COUNT(*) FROM workspaces");

        for (String elsewhere : List.of("team-other", "default", "team-new")) {
            for (boolean admin : List.of(true, false)) {
                ApiClient.Response refused = teamAdmin.post("/key/create", Map.of("workspace", elsewhere, "user_name", "mallory", "admin", admin));
                assertThat(refused.status()).as("%s: %s", elsewhere, refused).isEqualTo(403);
                assertThat(refused.msg()).startsWith("workspace: an admin of workspace 'team-admin' creates keys only in it");
            }
        }
        assertThat(count("SELECT COUNT(*) FROM users")).as("users").isEqualTo(usersBefore);
        assertThat(count("SELECT COUNT(*) FROM workspaces")).as("workspaces").isEqualTo(workspacesBefore);

        // in its own workspace, named or not
        Tasks.createConnector(teamAdmin, "team-disk", "local", Map.of("directory", "team"));
        for (Map<String, Object> body : List.of(Map.<String, Object>of("user_name", "bob"), Map.<String, Object>of("workspace", "team-admin", "user_name", "carol"))) {
            ApiClient.Response own = teamAdmin.post("/key/create", body);
            assertThat(own.status()).as("%s", own).isEqualTo(200);
            assertThat(own.data().path("workspace").asText()).isEqualTo("team-admin");
            ApiClient member = api.withKey(own.data().path("key").asText());
            assertThat(member.post("/connector/list", "{}").data().path("connectors").get(0).path("name").asText()).isEqualTo("team-disk");
            assertThat(member.post("/key/create", Map.of("user_name", "dave")).status()).as("not an admin").isEqualTo(403);
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void workspacesSeeOnlyTheirOwn() throws Exception {
        service.volume().resolve("a").toFile().mkdirs();
        String taskId = Tasks.createTask(api, Tasks.create("mine", local, "out", 100, Map.of("local_config", Map.of("path", "x")),
                List.of(Tasks.file("f1", "a/b.pdf", true))));
        ApiClient.Response minted = api.post("/key/create", Map.of("workspace", "team-b", "user_name", "bob", "email", "bob@example.com"));
        assertThat(minted.status()).isEqualTo(200);
        ApiClient other = api.withKey(minted.data().path("key").asText());

        for (ApiClient.Response response : List.of(
                other.post("/export/task/info", Map.of("id", taskId)),
                other.post("/export/task/files", Map.of("task_id", taskId)),
                other.get("/export/task/" + taskId + "/state"),
                other.post("/export/task/" + taskId + "/rerun", (String) null),
                other.post("/export/task/delete", Map.of("id", taskId)),
                other.post("/connector/info", Map.of("id", local)))) {
            assertThat(response.status()).as("%s", response).isEqualTo(404);
            assertThat(response.body().path("code").asText()).isEqualTo("ErrNotFound");
            assertThat(response.body().toString()).doesNotContain("mine");
        }
        assertThat(other.post("/export/task/list", "{}").data().path("total").asInt()).isZero();
        assertThat(other.post("/connector/list", "{}").data().path("total").asInt()).isZero();
        ApiClient.Response borrowed = other.post("/export/task/create",
                task("\"connector_id\":" + local + ",\"type\":100,\"config\":{\"local_config\":{\"path\":\"x\"}},\"files\":" + GOOD_FILES));
        assertThat(borrowed.status()).isEqualTo(400);
        assertThat(borrowed.msg()).isEqualTo("connector_id: no connector " + local + " in this workspace");
        ApiClient.Response notAdmin = other.post("/key/create", Map.of("user_name", "eve"));
        assertThat(notAdmin.status()).isEqualTo(403);

        // still there for its owner
        assertThat(api.post("/export/task/info", Map.of("id", taskId)).status()).isEqualTo(200);
        assertThat(api.post("/export/task/delete", Map.of("id", taskId)).status()).isEqualTo(200);
        assertThat(api.post("/export/task/info", Map.of("id", taskId)).status()).isEqualTo(404);
    }

    @Test
    void connectorsAreValidatedAndKeepTheirSecrets() {
        record Case(Map<String, Object> body, String message) {
        }
        for (Case c : List.of(
                new Case(Map.of("name", "x", "kind", "ftp", "config", Map.of()), "kind: unknown kind 'ftp'"),
                new Case(Map.of("name", "x", "kind", "s3", "config", Map.of("bucket_name", "b-1", "access_key_id", "i")),
                        "config.access_key_secret: is required for a s3 connector"),
                new Case(Map.of("name", "x", "kind", "s3", "config", Map.of("endpoint", "ftp://h", "bucket_name", "b-1",
                        "access_key_id", "i", "access_key_secret", "s")), "config.endpoint: must be an http(s) URL"),
                new Case(Map.of("name", "x", "kind", "s3", "config", Map.of("bucket_name", "b-1", "access_key_id", "i",
                        "access_key_secret", "s", "sign_payload", "yes")), "config.sign_payload: must be true or false"),
                new Case(Map.of("name", "x", "kind", "s3", "config", Map.of("bucket_name", "b-1", "access_key_id", "i",
                        "access_key_secret", "s", "path_style", 1)), "config.path_style: must be true or false"),
                new Case(Map.of("name", "x", "kind", "local", "config", Map.of("directory", "../../etc")),
                        "config.directory: must be inside the local target root"),
                new Case(Map.of("name", "x", "kind", "local", "config", Map.of("directory", "d", "color", "red")),
                        "config.color: unknown field"),
                new Case(Map.of("name", "out", "kind", "local", "config", Map.of("directory", "d")),
                        "name: a connector named 'out' already exists"))) {
            ApiClient.Response response = api.post("/connector/create", c.body());
            assertThat(response.status()).as("%s", response).isBetween(400, 409);
            assertThat(response.msg()).startsWith(c.message());
        }
        assertThat(api.post("/connector/list", "{}").data().path("total").asInt()).isEqualTo(2);

        ApiClient.Response info = api.post("/connector/info", Map.of("id", s3));
        assertThat(info.data().path("config").path("access_key_id").asText()).isEqualTo("id");
        assertThat(info.data().path("config").has("access_key_secret")).isFalse();
        assertThat(info.body().toString()).doesNotContain("very-secret-value");
        assertThat(api.post("/connector/list", "{}").body().toString()).doesNotContain("very-secret-value");
    }

    @Test
    void difyConnectorsAndTargetsAreValidated() throws Exception {
        // a workspace of its own, so that the default workspace's connectors stay as the other tests count them
        ApiClient.Response minted = api.post("/key/create", Map.of("workspace", "team-dify", "user_name", "dana", "email", "dana@example.com"));
        ApiClient team = api.withKey(minted.data().path("key").asText());
        for (Map.Entry<Map<String, Object>, String> c : Map.<Map<String, Object>, String>of(
                Map.of("api_url", "http://h/v1"), "config.api_key: is required for a dify connector",
                Map.of("api_url", "ftp://h/v1", "api_key", "k"), "config.api_url: must be an http(s) URL",
                Map.of("api_url", "http://h/v1?x=1", "api_key", "k"), "config.api_url: must be a base URL without a query",
                Map.of("api_url", "http://h/v1", "api_key", "k", "indexing_technique", "fast"), "config.indexing_technique: must be high_quality or economy",
                Map.of("api_url", "http://h/v1", "api_key", "k", "max_concurrency", 0), "config.max_concurrency: must be an integer between 1 and 99",
                Map.of("api_url", "http://h/v1", "api_key", "k", "wait_for_indexing", "yes"), "config.wait_for_indexing: must be true or false")
                .entrySet()) {
            ApiClient.Response response = team.post("/connector/create", Map.of("name", "x", "kind", "dify", "config", c.getKey()));
            assertThat(response.status()).as("%s", response).isEqualTo(400);
            assertThat(response.msg()).startsWith(c.getValue());
        }
        long kb = Tasks.createConnector(team, "kb", "dify", Map.of("api_url", "http://127.0.0.1:9/v1", "api_key", "dataset-secret-value"));
        ApiClient.Response info = team.post("/connector/info", Map.of("id", kb));
        assertThat(info.data().path("config").path("indexing_technique").asText()).isEqualTo("high_quality");
        assertThat(info.data().path("config").path("max_concurrency").asText()).isEqualTo("4");
        assertThat(info.data().path("config").has("api_key")).isFalse();
        assertThat(info.body().toString()).doesNotContain("dataset-secret-value");

        // documents are named after files: two files of one name would overwrite each other in the dataset
        ApiClient.Response twice = team.post("/export/task/create", task("\"connector_id\":" + kb + ",\"type\":1,"
                + "\"config\":{\"dify_config\":{\"dataset_id\":\"" + DATASET + "\"}},\"files\":["
                + "{\"file_id\":\"a\",\"full_path\":[\"x\",\"readme.md\"],\"is_raw\":true},"
                + "{\"file_id\":\"b\",\"full_path\":[\"y\",\"readme.md\"],\"is_raw\":false}]"));
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.msg()).isEqualTo("files[1].full_path: 'readme.md' is also the name of files[0]; a Dify dataset keeps one document per file name");
        assertNothingStored();
    }

    @Test
    void unknownPathsAndMethodsAnswerInTheErrorBodyOfTheirApi() {
        record Case(String method, String path, int status) {
        }
        for (Case c : List.of(new Case("GET", "/byoa/api/v1/no/such/endpoint", 404),
                new Case("GET", "/byoa/api/v1/export/task/create", 405))) {
            ApiClient.Response response = api.send(request(c.method(), c.path()));
            assertThat(response.status()).as("%s %s: %s", c.method(), c.path(), response).isEqualTo(c.status());
            assertThat(response.body().path("code").asText()).as("%s", response).isEqualTo(c.status() == 404 ? "ErrNotFound" : "ErrMethodNotAllowed");
            assertThat(response.msg()).contains(c.method() + " " + c.path());
            assertThat(response.body().has("data")).isTrue();
            assertThat(response.body().path("data").isNull()).isTrue();
        }
        for (Case c : List.of(new Case("GET", "/userve/v1/no/such/", 404), new Case("PUT", "/oserve/v1/table/", 405),
                new Case("DELETE", "/userve/v1/table/", 405))) {
            ApiClient.Response response = api.send(request(c.method(), c.path()));
            assertThat(response.status()).as("%s %s: %s", c.method(), c.path(), response).isEqualTo(c.status());
            assertThat(response.body().path("status").asText()).isEqualTo("error");
            assertThat(response.body().path("error_msg").asText()).contains(c.method() + " " + c.path());
        }
        ApiClient.Response elsewhere = api.send(request("GET", "/no-such-page"));
        assertThat(elsewhere.status()).isEqualTo(404);
        assertThat(elsewhere.body().path("error").asText()).isEqualTo("no such endpoint: GET /no-such-page");
    }

    private HttpRequest.Builder request(String method, String path) {
        return HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).method(method, HttpRequest.BodyPublishers.noBody());
    }

    private void assertNothingStored() throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM export_tasks WHERE name <> 'mine'),"
                     + " (SELECT COUNT(*) FROM export_task_files f JOIN export_tasks t ON t.id = f.task_id WHERE t.name <> 'mine')")) {
            rs.next();
            assertThat(rs.getLong(1)).as("tasks stored").isZero();
            assertThat(rs.getLong(2)).as("files stored").isZero();
        }
    }
}
