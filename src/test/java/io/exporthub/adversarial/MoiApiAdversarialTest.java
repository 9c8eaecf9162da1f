package io.exporthub.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the MOI API (tasks, connectors, keys, schedules) against the hostile corpus,
 * field by field: each case must be refused with a 4xx naming the field and changing nothing, or
 * answered with a 2xx; never a 5xx, a stack trace or a hang. One dynamic test per endpoint and
 * field, each listing all of its failed values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MoiApiAdversarialTest {

    static final int MAX_BODY = 1_048_576;
    static final String BASE = "/byoa/api/v1";
    static final String DATASET = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    ApiClient api;
    Probe probe;
    String taskId;
    String doomedTaskId;
    long doomedConnector;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("camel.server.maxBodySize", String.valueOf(MAX_BODY));
        props.put("exporthub.task.max-files", "1000");
        props.put("exporthub.retry.max-redeliveries", "0");
        service = ExportHubService.start(home, props);
        api = service.api();
        Tasks.createConnector(api, "out", "local", Map.of("directory", "out"));
        Tasks.createConnector(api, "bucket", "s3", Map.of("endpoint", "http://127.0.0.1:9", "bucket_name", "b-1",
                "access_key_id", "id", "access_key_secret", "very-secret-value", "path_style", true));
        Tasks.createConnector(api, "ossb", "oss", Map.of("endpoint", "http://127.0.0.1:9", "bucket_name", "b-2",
                "access_key_id", "id", "access_key_secret", "very-secret-value"));
        Tasks.createConnector(api, "kb", "dify", Map.of("api_url", "http://127.0.0.1:9/v1", "api_key", "dataset-secret-value"));
        Tasks.createConnector(api, "mo", "matrixone", Map.of("host", "127.0.0.1", "port", 9, "user", "u", "password", "p"));
        doomedConnector = Tasks.createConnector(api, "doomed", "local", Map.of("directory", "doomed"));
        taskId = Tasks.createTask(api, Tasks.create("fixture", 1, "out", 100, Map.of("local_config", Map.of("path", "x")),
                List.of(Tasks.file("f1", "a/b.txt", true))));
        doomedTaskId = Tasks.createTask(api, Tasks.create("doomed", 1, "out", 100, Map.of("local_config", Map.of("path", "x")),
                List.of(Tasks.file("f1", "a/b.txt", true))));
        probe = new Probe(db, List.of(home.resolve("local-target"), home.resolve("exports"), home.resolve("volume")), "msg");
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    // ---- bodies: a valid request of each endpoint, whose every field is then made hostile

    static String taskBody(String type, String connector, String config) {
        return "{\"task_name\":\"t\",\"creator\":\"me\",\"connector_id\":" + connector + ",\"connector_name\":null,\"type\":" + type
                + ",\"config\":" + config + ",\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"a\",\"b.txt\"],\"is_raw\":true}]}";
    }

    static final String LOCAL_TASK = "{\"task_name\":\"t\",\"creator\":\"me\",\"connector_id\":1,\"connector_name\":\"out\",\"type\":100,"
            + "\"config\":{\"local_config\":{\"path\":\"x/y\",\"need_compress\":true,\"compress_method\":\"gzip\",\"connector_id\":1},"
            + "\"merge_title_to_text\":false},"
            + "\"files\":[{\"file_id\":\"f1\",\"full_path\":[\"a\",\"b.txt\"],\"is_raw\":true}]}";
    static final String S3_TASK = taskBody("2", "2",
            "{\"s3_config\":{\"path\":\"p\",\"need_compress\":false,\"compress_method\":\"no\",\"connector_id\":\"bucket\"}}");
    static final String OSS_TASK = taskBody("4", "3", "{\"s3_config\":{\"path\":\"p\",\"need_compress\":true,\"compress_method\":\"zip\"}}");
    static final String DIFY_TASK = taskBody("1", "4", "{\"dify_config\":{\"dataset_id\":\"" + DATASET
            + "\",\"dataset_name\":\"kb\",\"embedding_model\":\"text-embedding-3-small\",\"connector_id\":4}}");
    static final String MO_TASK = taskBody("3", "5", "{\"mo_config\":{\"database_name\":\"db1\",\"table_name\":\"t1\",\"new_table\":true,"
            + "\"column\":{\"export_column\":[{\"source_column\":\"file_id\",\"mapping_column\":\"file_id\"},"
            + "{\"source_column\":\"content\",\"mapping_column\":\"body\"},{\"source_column\":\"meta\",\"mapping_column\":\"meta\"}],"
            + "\"combine_column\":[\"title\"]},\"duplicated_strategy\":1}}");

    static final String LOCAL_CONNECTOR = "{\"name\":\"c\",\"kind\":\"local\",\"config\":{\"directory\":\"sub/dir\"}}";
    static final String S3_CONNECTOR = "{\"name\":\"c\",\"kind\":\"s3\",\"config\":{\"endpoint\":\"http://127.0.0.1:9\",\"region\":\"us-east-1\","
            + "\"bucket_name\":\"b-1/prefix\",\"access_key_id\":\"id\",\"access_key_secret\":\"s\",\"path_style\":true,\"sign_payload\":false}}";
    static final String DIFY_CONNECTOR = "{\"name\":\"c\",\"kind\":\"dify\",\"config\":{\"api_url\":\"http://127.0.0.1:9/v1\",\"api_key\":\"k\","
            + "\"embedding_model_provider\":\"openai\",\"indexing_technique\":\"economy\",\"wait_for_indexing\":false,\"max_concurrency\":2}}";
    static final String MO_CONNECTOR = "{\"name\":\"c\",\"kind\":\"matrixone\",\"config\":{\"host\":\"127.0.0.1\",\"port\":6001,"
            + "\"user\":\"u\",\"password\":\"p\",\"dialect\":\"mysql\"}}";
    static final String MO_URL_CONNECTOR = "{\"name\":\"c\",\"kind\":\"matrixone\",\"config\":{\"url\":\"jdbc:mysql://127.0.0.1:6001/db\","
            + "\"user\":\"u\",\"password\":\"p\"}}";

    /** Fields whose checks meet: either of host and url is enough; need_compress asks for a compress_method. */
    static final Map<String, String> COUPLED = Map.of("config.host", "config.url", "config.url", "config.host",
            "connector_id", "connector_name",
            "config.s3_config.need_compress", "config.s3_config.compress_method",
            "config.local_config.need_compress", "config.local_config.compress_method");

    @TestFactory
    Stream<DynamicTest> taskCreate() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.addAll(fields("task/create", "/export/task/create", LOCAL_TASK, null, this::deleteTask));
        tests.addAll(fields("task/create s3", "/export/task/create", S3_TASK, "config", this::deleteTask));
        tests.addAll(fields("task/create oss", "/export/task/create", OSS_TASK, "config", this::deleteTask));
        tests.addAll(fields("task/create dify", "/export/task/create", DIFY_TASK, "config", this::deleteTask));
        tests.addAll(fields("task/create matrixone", "/export/task/create", MO_TASK, "config", this::deleteTask));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> taskQueries() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.addAll(fields("task/list", "/export/task/list", "{\"statuses\":[1,3],\"creator\":\"me\",\"connector_name\":\"out\","
                + "\"task_id\":\"x\",\"order_by\":\"name\",\"order_direction\":\"asc\",\"offset\":0,\"limit\":10}", null, null));
        tests.addAll(fields("task/info", "/export/task/info", "{\"id\":\"" + taskId + "\"}", null, null));
        tests.addAll(fields("task/files", "/export/task/files", "{\"task_id\":\"" + taskId + "\",\"statuses\":[0,3],"
                + "\"order_by\":\"status\",\"order_direction\":\"desc\",\"offset\":0,\"limit\":10}", null, null));
        tests.addAll(fields("task/rerun", "/export/task/" + taskId + "/rerun", "{\"files\":[\"f1\"]}", null, null));
        tests.addAll(fields("task/delete", "/export/task/delete", "{\"id\":\"" + doomedTaskId + "\"}", null, null));
        tests.add(HostileTests.pathSegment(probe, "task/rerun task_id", t -> post("/export/task/" + t + "/rerun", "{}"), "task_id"));
        tests.add(HostileTests.pathSegment(probe, "task/state task_id", t -> get("/export/task/" + t + "/state"), "task_id"));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> connectors() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.addAll(fields("connector/create", "/connector/create", LOCAL_CONNECTOR, null, this::deleteConnector));
        tests.addAll(fields("connector/create s3", "/connector/create", S3_CONNECTOR, "config", this::deleteConnector));
        tests.addAll(fields("connector/create dify", "/connector/create", DIFY_CONNECTOR, "config", this::deleteConnector));
        tests.addAll(fields("connector/create matrixone", "/connector/create", MO_CONNECTOR, "config", this::deleteConnector));
        tests.addAll(fields("connector/create matrixone url", "/connector/create", MO_URL_CONNECTOR, "config", this::deleteConnector));
        tests.addAll(fields("connector/list", "/connector/list", "{}", null, null));
        tests.addAll(fields("connector/info", "/connector/info", "{\"id\":1}", null, null));
        tests.addAll(fields("connector/delete", "/connector/delete", "{\"id\":" + doomedConnector + "}", null, null));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> keysAndSchedules() {
        List<DynamicTest> tests = new ArrayList<>(fields("key/create", "/key/create",
                "{\"workspace\":\"w1\",\"user_name\":\"u\",\"email\":\"u@example.com\",\"admin\":false}", null, null));
        tests.add(DynamicTest.dynamicTest("schedule/list query", () -> {
            for (String text : Corpus.sampleTexts(HostileTests.random("schedule/list"))) {
                probe.check("schedule/list ?q=" + HostileTests.printable(text), get("/schedule/list?q=" + HostileTests.encode(text) + "&limit=" + HostileTests.encode(text)),
                        Probe.Expect.field(), null);
            }
            probe.assertNoFailures("schedule/list");
        }));
        return tests.stream();
    }

    /** Every endpoint refuses a missing, unknown or misplaced key with a 401, before reading the body, and changes nothing. */
    @TestFactory
    Stream<DynamicTest> keys() {
        record Endpoint(String name, String method, String path, String body) {
        }
        List<Endpoint> endpoints = List.of(
                new Endpoint("task/create", "POST", "/export/task/create", LOCAL_TASK),
                new Endpoint("task/list", "POST", "/export/task/list", "{}"),
                new Endpoint("task/info", "POST", "/export/task/info", "{\"id\":\"" + taskId + "\"}"),
                new Endpoint("task/files", "POST", "/export/task/files", "{\"task_id\":\"" + taskId + "\"}"),
                new Endpoint("task/rerun", "POST", "/export/task/" + taskId + "/rerun", "{}"),
                new Endpoint("task/delete", "POST", "/export/task/delete", "{\"id\":\"" + doomedTaskId + "\"}"),
                new Endpoint("task/state", "GET", "/export/task/" + taskId + "/state", null),
                new Endpoint("connector/create", "POST", "/connector/create", LOCAL_CONNECTOR),
                new Endpoint("connector/list", "POST", "/connector/list", "{}"),
                new Endpoint("connector/info", "POST", "/connector/info", "{\"id\":1}"),
                new Endpoint("connector/delete", "POST", "/connector/delete", "{\"id\":" + doomedConnector + "}"),
                new Endpoint("key/create", "POST", "/key/create", "{\"user_name\":\"mallory\",\"admin\":true}"),
                new Endpoint("schedule/list", "GET", "/schedule/list", null));
        return endpoints.stream().map(e -> DynamicTest.dynamicTest(e.name() + " keys", () -> {
            String key = ExportHubService.ADMIN_KEY;
            String url = service.baseUrl() + BASE + e.path();
            String sep = e.path().contains("?") ? "&" : "?";
            List<Object[]> cases = List.of(
                    new Object[] {"no key", Probe.request(url), e.body()},
                    new Object[] {"unknown key", Probe.request(url).header("moi-key", "ehk_" + "0".repeat(48)), e.body()},
                    new Object[] {"hostile key", Probe.request(url).header("moi-key", "' OR 1=1 --"), e.body()},
                    new Object[] {"empty bearer", Probe.request(url).header("Authorization", "Bearer "), e.body()},
                    new Object[] {"basic auth", Probe.request(url).header("Authorization", "Basic " + key), e.body()},
                    new Object[] {"key in query moi-key", Probe.request(url + sep + "moi-key=" + key), e.body()},
                    new Object[] {"key in query Authorization", Probe.request(url + sep + "Authorization=Bearer%20" + key), e.body()},
                    new Object[] {"no key, malformed body", Probe.request(url), "{\"broken\": "},
                    new Object[] {"no key, oversized body", Probe.request(url), "{\"pad\":\"" + "p".repeat(MAX_BODY + 1024) + "\"}"});
            for (Object[] c : cases) {
                HttpRequest.Builder request = (HttpRequest.Builder) c[1];
                String body = (String) c[2];
                request.header("Content-Type", "application/json").method(e.method(),
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
                String name = e.name() + " " + c[0];
                Probe.Answer answer = probe.check(name, request, Probe.Expect.field("missing API key", "unknown API key"), null);
                // an oversized body may be refused by its declared length before the key: unread either way
                boolean refused = answer == null || answer.status() == 401 || (c[0].equals("no key, oversized body") && answer.status() == 413);
                if (!refused) {
                    probe.fail(name, "expected 401, got " + answer.status() + " " + answer.text());
                }
            }
            probe.assertNoFailures(e.name() + " keys");
        }));
    }

    @TestFactory
    Stream<DynamicTest> nonAdmins() {
        return Stream.of(DynamicTest.dynamicTest("key/create by a user who is not an admin", () -> {
            ApiClient.Response minted = api.post("/key/create", Map.of("workspace", "w-user", "user_name", "plain"));
            assertThat(minted.status()).isEqualTo(200);
            String userKey = minted.data().path("key").asText();
            probe.resync();
            for (String body : List.of("{\"user_name\":\"x\"}", "{\"user_name\":\"x\",\"admin\":true}",
                    "{\"workspace\":\"default\",\"user_name\":\"x\",\"admin\":true}", "{}", "not json")) {
                Probe.Answer answer = probe.check("key/create as a user: " + body,
                        Probe.request(service.baseUrl() + BASE + "/key/create").header("moi-key", userKey)
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)),
                        Probe.Expect.field(), null);
                if (answer != null && answer.status() != 403) {
                    probe.fail("key/create as a user: " + body, "expected 403, got " + answer.status() + " " + answer.text());
                }
            }
            probe.assertNoFailures("key/create as a user");
        }));
    }

    // ---- how cases become requests

    private List<DynamicTest> fields(String endpoint, String path, String base, String under, Consumer<Probe.Answer> cleanup) {
        return HostileTests.body(probe, endpoint, base, under, MAX_BODY, body -> post(path, body), cleanup, COUPLED);
    }

    private HttpRequest.Builder post(String path, byte[] body) {
        return Probe.request(service.baseUrl() + BASE + path).header("moi-key", ExportHubService.ADMIN_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private HttpRequest.Builder post(String path, String body) {
        return post(path, body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpRequest.Builder get(String path) {
        return Probe.request(service.baseUrl() + BASE + path).header("moi-key", ExportHubService.ADMIN_KEY).GET();
    }

    private void deleteTask(Probe.Answer created) {
        String id = created.json().path("data").path("id").asText();
        assertThat(api.post("/export/task/delete", Map.of("id", id)).status()).isEqualTo(200);
    }

    private void deleteConnector(Probe.Answer created) {
        long id = created.json().path("data").path("id").asLong();
        assertThat(api.post("/connector/delete", Map.of("id", id)).status()).isEqualTo(200);
    }
}
