package io.exporthub.adversarial;

import static io.exporthub.adversarial.HostileTests.encode;
import static io.exporthub.adversarial.HostileTests.printable;
import static io.exporthub.adversarial.HostileTests.random;
import static io.exporthub.adversarial.HostileTests.rawAllowed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the MinApp table API (tables, exports, imports, the download link) against
 * the hostile corpus: JSON fields, path segments, query parameters, uploaded file names and
 * contents. The same handlers serve /userve and /oserve: the cases alternate between the two.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MinAppApiAdversarialTest {

    static final int MAX_BODY = 1_048_576;
    static final int MAX_IMPORT = 65_536;
    static final String INVALID_FILE = "无效的文件";

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    MinAppClient admin;
    Probe probe;
    long tableId;
    /** A table the key cases may delete when a misplaced key is (wrongly) accepted. */
    long doomedTable;
    String exportJob;
    String importJob;
    String downloadUrl;
    byte[] downloaded;

    private int calls;

    /** {@code /userve} and {@code /oserve} in turn, so that both bases meet every kind of case. */
    String base() {
        return calls++ % 2 == 0 ? "/userve" : "/oserve";
    }

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("camel.server.maxBodySize", String.valueOf(MAX_BODY));
        props.put("exporthub.exports.interval", "0");
        props.put("exporthub.imports.max-bytes", String.valueOf(MAX_IMPORT));
        props.put("exporthub.exports.link-secret", "adversarial-link-secret");
        props.put("exporthub.mail.max-redeliveries", "0");
        service = ExportHubService.start(home, props);
        admin = new MinAppClient(service.baseUrl() + "/userve", ExportHubService.ADMIN_KEY);
        MinAppClient.Response table = admin.post("/v1/table/", Bodies.json(TABLE));
        assertThat(table.status()).as("%s", table).isEqualTo(201);
        tableId = table.body().path("id").asLong();
        doomedTable = admin.post("/v1/table/", Bodies.json("{\"name\":\"doomed\",\"schema\":{\"fields\":[]}}")).body().path("id").asLong();
        MinAppClient.Response imported = admin.upload("/v1/table/" + tableId + "/import/", "rows.csv", CSV.getBytes(StandardCharsets.UTF_8), false);
        assertThat(imported.status()).as("%s", imported).isEqualTo(201);
        importJob = imported.body().path("job_id").asText();
        MinAppClient.Response exported = admin.post("/v1.5/table/" + tableId + "/export/", "{\"file_type\":\"csv\",\"mode\":\"all\"}");
        assertThat(exported.status()).as("%s", exported).isEqualTo(201);
        exportJob = exported.body().path("job_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                !admin.get("/v1.5/table/" + tableId + "/export/" + exportJob + "/").body().path("download_url").isNull());
        downloadUrl = admin.get("/v1.5/table/" + tableId + "/export/" + exportJob + "/").body().path("download_url").asText();
        downloaded = MinAppClient.fetch(downloadUrl).body();
        probe = new Probe(db, List.of(home.resolve("exports"), home.resolve("local-target"), home.resolve("volume")), "error_msg");
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    static final String TABLE = "{\"name\":\"goods\",\"schema\":{\"fields\":[{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"price\",\"type\":\"number\"},{\"name\":\"ts\",\"type\":\"integer\"},"
            + "{\"name\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\"}},{\"name\":\"flag\",\"type\":\"boolean\"}]}}";
    static final String CSV = "name,price,ts,tags,flag\napple,2.5,1700000000,\"[\"\"a\"\"]\",true\n=cmd,3,1700000001,[],false\n";
    static final String NEW_TABLE = "{\"name\":\"t\",\"schema\":{\"fields\":[{\"name\":\"price\",\"type\":\"number\",\"description\":\"d\"},"
            + "{\"name\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\"}}]}}";
    static final String EXPORT = "{\"file_type\":\"csv\",\"mode\":\"part\",\"where\":{\"$and\":[{\"price\":{\"$gt\":1}},"
            + "{\"name\":{\"$regex\":\"^a\",\"$options\":\"i\"}}],\"flag\":true,\"tags\":{\"$in\":[\"a\"]}},"
            + "\"include_keys\":[\"name\",\"price\",\"ts\",\"tags\"],\"exclude_keys\":[\"tags\"],\"order_by\":[\"-price\",\"name\"],"
            + "\"csv_customize_headers\":[\"N\",\"P\",\"T\"],\"timestamp_convert_keys\":[\"ts\"]}";

    /** Fields that change the exported columns, which csv_customize_headers must match in number. */
    static final Map<String, String> COUPLED = Map.of("include_keys", "csv_customize_headers", "exclude_keys", "csv_customize_headers");

    @TestFactory
    Stream<DynamicTest> tables() {
        List<DynamicTest> tests = new ArrayList<>(fields("table create", "/v1/table/", NEW_TABLE, this::deleteTable));
        tests.add(query("table list", "/v1/table/"));
        tests.add(pathParam("table get table_id", t -> get("/v1/table/" + t + "/"), "table_id"));
        tests.add(pathParam("table delete table_id", t -> request("/v1/table/" + t + "/").DELETE(), "table_id"));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> exports() {
        List<DynamicTest> tests = new ArrayList<>(fields("export create", "/v1.5/table/" + tableId + "/export/", EXPORT, null));
        tests.add(pathParam("export create table_id", t -> post("/v1.5/table/" + t + "/export/",
                "{\"file_type\":\"csv\",\"mode\":\"all\"}".getBytes(StandardCharsets.UTF_8)), "table_id"));
        tests.add(query("export list", "/v1.5/table/" + tableId + "/export/"));
        tests.add(pathParam("export list table_id", t -> get("/v1.5/table/" + t + "/export/"), "table_id"));
        tests.add(pathParam("export get table_id", t -> get("/v1.5/table/" + t + "/export/" + exportJob + "/"), "table_id"));
        tests.add(pathParam("export get job_id", j -> get("/v1.5/table/" + tableId + "/export/" + j + "/"), "job_id"));
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> imports() {
        String path = "/v1/table/" + tableId + "/import/";
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("import create file name", () -> {
            for (String text : Corpus.sampleTexts(random("import file name"))) {
                for (String name : List.of(text, text + ".csv")) {
                    probe.check("import file name = " + printable(name), upload(path, name, CSV.getBytes(StandardCharsets.UTF_8), "false"),
                            Probe.Expect.field("file", INVALID_FILE), null);
                }
            }
            probe.assertNoFailures("import create file name");
        }));
        tests.add(DynamicTest.dynamicTest("import create use_id", () -> {
            for (String text : Corpus.sampleTexts(random("import use_id"))) {
                probe.check("import use_id = " + printable(text), upload(path, "rows.csv", CSV.getBytes(StandardCharsets.UTF_8), text),
                        Probe.Expect.field("use_id", "file", INVALID_FILE), null);
            }
            probe.assertNoFailures("import create use_id");
        }));
        tests.add(DynamicTest.dynamicTest("import create file content", () -> {
            for (Map.Entry<String, byte[]> content : contents().entrySet()) {
                for (String name : List.of("rows.csv", "rows.json")) {
                    probe.check("import " + name + " = " + content.getKey(), upload(path, name, content.getValue(), null),
                            Probe.Expect.field("file", INVALID_FILE), null);
                }
            }
            probe.assertNoFailures("import create file content");
        }));
        tests.add(DynamicTest.dynamicTest("import create not multipart", () -> {
            for (String[] c : new String[][] {{"application/json", "{\"file\":\"a,b\"}"}, {"text/plain", "name\nx\n"},
                    {"multipart/form-data", "no boundary"}, {"multipart/form-data; boundary=zz", "--zz\r\nbroken"},
                    {"application/octet-stream", ""}}) {
                probe.check("import as " + c[0], request(path).header("Content-Type", c[0])
                        .POST(HttpRequest.BodyPublishers.ofString(c[1])), Probe.Expect.field("file", INVALID_FILE), null);
            }
            probe.check("import without a file part", multipart(path, List.<String[]>of(new String[] {"use_id", null, "true"})),
                    Probe.Expect.field("file", INVALID_FILE), null);
            probe.check("import with the file twice", multipart(path, List.<String[]>of(new String[] {"file", "a.csv", CSV},
                    new String[] {"file", "b.csv", CSV})), Probe.Expect.field("file", INVALID_FILE), null);
            probe.assertNoFailures("import create not multipart");
        }));
        tests.add(pathParam("import create table_id", t -> upload("/v1/table/" + t + "/import/", "rows.csv",
                CSV.getBytes(StandardCharsets.UTF_8), null), "table_id"));
        tests.add(pathParam("import get table_id", t -> get("/v1/table/" + t + "/import/" + importJob + "/"), "table_id"));
        tests.add(pathParam("import get job_id", j -> get("/v1/table/" + tableId + "/import/" + j + "/"), "job_id"));
        return tests.stream();
    }

    /** The download link: each of its four parts made hostile serves nothing but a 4xx. */
    @TestFactory
    Stream<DynamicTest> download() {
        URI link = URI.create(downloadUrl);
        String[] segments = link.getRawPath().split("/");
        String job = segments[segments.length - 2];
        String file = segments[segments.length - 1];
        Map<String, String> query = new java.util.LinkedHashMap<>();
        for (String pair : link.getRawQuery().split("&")) {
            query.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        String root = service.baseUrl() + "/exports/";
        Function<String[], String> url = p -> root + p[0] + "/" + p[1] + "?expires=" + p[2] + "&signature=" + p[3];
        String[] valid = {job, file, query.get("expires"), query.get("signature")};
        return Stream.of("job_id", "file_name", "expires", "signature").map(part -> DynamicTest.dynamicTest("download " + part, () -> {
            int index = List.of("job_id", "file_name", "expires", "signature").indexOf(part);
            List<String> hostile = new ArrayList<>(Corpus.sampleTexts(random("download " + part)));
            hostile.addAll(List.of(valid[index] + "x", valid[index].toUpperCase(), "../" + valid[index], valid[index] + "%00",
                    "..%2f..%2f" + valid[index]));
            for (String text : hostile) {
                List<String> forms = new ArrayList<>(List.of(encode(text)));
                if (rawAllowed(text)) {
                    forms.add(text);
                }
                for (String form : forms) {
                    String[] parts = valid.clone();
                    parts[index] = form;
                    String target = url.apply(parts);
                    Probe.Answer answer = probe.check("download " + part + " = " + printable(form), Probe.request(target).GET(),
                            Probe.Expect.field(), null);
                    if (answer != null && answer.status() < 300 && !Arrays.equals(answer.text().getBytes(StandardCharsets.UTF_8), downloaded)) {
                        probe.fail("download " + part + " = " + printable(form), "served something else than the export file");
                    }
                }
            }
            String[] noQuery = {job, file};
            Probe.Answer bare = probe.check("download without signature", Probe.request(root + noQuery[0] + "/" + noQuery[1]).GET(),
                    Probe.Expect.field(), null);
            if (bare != null && bare.status() != 403) {
                probe.fail("download without signature", "expected 403, got " + bare.status());
            }
            probe.assertNoFailures("download " + part);
        }));
    }

    /** Every endpoint refuses a missing, unknown or misplaced key with a 401 and changes nothing. */
    @TestFactory
    Stream<DynamicTest> keys() {
        String t = "/v1/table/" + tableId;
        String e = "/v1.5/table/" + tableId + "/export/";
        Map<String, Function<String, HttpRequest.Builder>> endpoints = new java.util.LinkedHashMap<>();
        endpoints.put("table create", u -> Probe.request(u + "/v1/table/").POST(HttpRequest.BodyPublishers.ofString(
                NEW_TABLE.replace("\"t\"", "\"keys\""))));
        endpoints.put("table list", u -> Probe.request(u + "/v1/table/").GET());
        endpoints.put("table get", u -> Probe.request(u + t + "/").GET());
        endpoints.put("table delete", u -> Probe.request(u + "/v1/table/" + doomedTable + "/").DELETE());
        endpoints.put("export create", u -> Probe.request(u + e).POST(HttpRequest.BodyPublishers.ofString("{\"file_type\":\"csv\",\"mode\":\"all\"}")));
        endpoints.put("export list", u -> Probe.request(u + e).GET());
        endpoints.put("export get", u -> Probe.request(u + e + exportJob + "/").GET());
        endpoints.put("import get", u -> Probe.request(u + t + "/import/" + importJob + "/").GET());
        return endpoints.entrySet().stream().map(endpoint -> DynamicTest.dynamicTest(endpoint.getKey() + " keys", () -> {
            String u = service.baseUrl() + base();
            String key = ExportHubService.ADMIN_KEY;
            for (Object[] c : List.<Object[]>of(
                    new Object[] {"no key", "", null},
                    new Object[] {"unknown key", "", "Bearer ehk_" + "0".repeat(48)},
                    new Object[] {"hostile key", "", "Bearer ' OR 1=1 --"},
                    new Object[] {"basic auth", "", "Basic " + key},
                    new Object[] {"key in query", "?moi-key=" + key, null},
                    new Object[] {"bearer in query", "?Authorization=Bearer%20" + key, null})) {
                HttpRequest.Builder request = endpoint.getValue().apply(u);
                String suffix = (String) c[1];
                if (!suffix.isEmpty()) {
                    HttpRequest built = request.build();
                    request = HttpRequest.newBuilder(URI.create(built.uri() + suffix))
                            .method(built.method(), built.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()));
                }
                request.header("Content-Type", "application/json");
                if (c[2] != null) {
                    request.header("Authorization", (String) c[2]);
                }
                String name = endpoint.getKey() + " " + c[0];
                Probe.Answer answer = probe.check(name, request, Probe.Expect.field("missing API key", "unknown API key"), null);
                if (answer != null && answer.status() != 401) {
                    probe.fail(name, "expected 401, got " + answer.status() + " " + answer.text());
                }
            }
            probe.assertNoFailures(endpoint.getKey() + " keys");
        }));
    }

    // ---- hostile file contents

    private static Map<String, byte[]> contents() {
        Map<String, byte[]> all = new java.util.LinkedHashMap<>();
        String header = "name,price,ts,tags,flag\n";
        all.put("empty", new byte[0]);
        all.put("blank", " \n\n ".getBytes(StandardCharsets.UTF_8));
        all.put("BOM and header", ("\uFEFF" + header + "a,1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("header only", header.getBytes(StandardCharsets.UTF_8));
        all.put("invalid UTF-8", concat(header.getBytes(StandardCharsets.UTF_8), new byte[] {'a', (byte) 0xff, ',', '1', '\n'}));
        all.put("overlong UTF-8", concat(header.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xc0, (byte) 0xaf, ',', '1', '\n'}));
        all.put("NUL", (header + "a\u0000b,1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("UTF-16", (header + "a,1,1,[],true\n").getBytes(StandardCharsets.UTF_16));
        all.put("over the import cap", (header + "x,1,1,[],true\n".repeat(MAX_IMPORT / 10)).getBytes(StandardCharsets.UTF_8));
        all.put("unknown column", "name,nope\na,b\n".getBytes(StandardCharsets.UTF_8));
        all.put("duplicated header", "name,name,price\na,b,1\n".getBytes(StandardCharsets.UTF_8));
        all.put("blank header cell", "name,,price\na,b,1\n".getBytes(StandardCharsets.UTF_8));
        all.put("formulas", (header + "=HYPERLINK(\"http://x\"),+1,-1,@A1,true\n").getBytes(StandardCharsets.UTF_8));
        all.put("wrong types", (header + "a,notanumber,1.5,notjson,maybe\n").getBytes(StandardCharsets.UTF_8));
        all.put("unbalanced quote", (header + "\"a,1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("long cell", (header + "z".repeat(50_000) + ",1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("many columns", (header.trim() + ",x".repeat(5_000) + "\n").getBytes(StandardCharsets.UTF_8));
        all.put("CR LF in cell", (header + "\"a\r\nINFO forged\",1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("bidi", (header + "\u202Efdp.exe,1,1,[],true\n").getBytes(StandardCharsets.UTF_8));
        all.put("id column", "id,name\n../../etc,a\nzzzzzzzzzzzzzzzzzzzzzzzz,b\n".getBytes(StandardCharsets.UTF_8));
        all.put("json lines", "{\"name\":\"a\",\"price\":1}\n{\"name\":2}\nnot json\n".getBytes(StandardCharsets.UTF_8));
        all.put("json array", "[{\"name\":\"a\"},1,\"x\",null,[]]".getBytes(StandardCharsets.UTF_8));
        all.put("json scalar", "42".getBytes(StandardCharsets.UTF_8));
        all.put("json duplicate keys", "{\"name\":\"a\",\"name\":\"b\"}\n".getBytes(StandardCharsets.UTF_8));
        all.put("json deep", ("{\"name\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}\n").getBytes(StandardCharsets.UTF_8));
        all.put("json unknown keys", "{\"zz\":1,\"id\":\"../x\",\"created_at\":\"yesterday\"}\n".getBytes(StandardCharsets.UTF_8));
        all.put("json huge number", "{\"price\":1e400,\"ts\":123456789012345678901234567890}\n".getBytes(StandardCharsets.UTF_8));
        all.put("binary", new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3});
        return all;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    // ---- how cases become requests

    private List<DynamicTest> fields(String endpoint, String path, String base, Consumer<Probe.Answer> cleanup) {
        return HostileTests.body(probe, endpoint, base, null, MAX_BODY, body -> post(path, body), cleanup, COUPLED);
    }

    private DynamicTest query(String name, String path) {
        return DynamicTest.dynamicTest(name + " limit and offset", () -> {
            for (String param : List.of("limit", "offset")) {
                for (String text : Corpus.sampleTexts(random(name + " " + param))) {
                    probe.check(name + " " + param + " = " + printable(text), get(path + "?" + param + "=" + encode(text)),
                            Probe.Expect.field(param), null);
                }
                probe.check(name + " " + param + " twice", get(path + "?" + param + "=1&" + param + "=2"), Probe.Expect.field(param), null);
            }
            probe.assertNoFailures(name + " limit and offset");
        });
    }

    private DynamicTest pathParam(String name, Function<String, HttpRequest.Builder> request, String param) {
        return HostileTests.pathSegment(probe, name, request, param);
    }

    private HttpRequest.Builder request(String path) {
        return Probe.request(service.baseUrl() + base() + path).header("Authorization", "Bearer " + ExportHubService.ADMIN_KEY);
    }

    private HttpRequest.Builder get(String path) {
        return request(path).GET();
    }

    private HttpRequest.Builder post(String path, byte[] body) {
        return request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private HttpRequest.Builder upload(String path, String fileName, byte[] content, String useId) {
        List<String[]> parts = new ArrayList<>();
        if (useId != null) {
            parts.add(new String[] {"use_id", null, useId});
        }
        return multipart(path, parts, fileName, content);
    }

    private HttpRequest.Builder multipart(String path, List<String[]> parts) {
        return multipart(path, parts, null, null);
    }

    /** A multipart form: text parts {name, file name or null, value}, then the file part when given. */
    private HttpRequest.Builder multipart(String path, List<String[]> parts, String fileName, byte[] content) {
        String boundary = "hostile" + Long.toHexString(Corpus.SEED);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String[] part : parts) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part[0] + "\""
                    + (part[1] == null ? "" : "; filename=\"" + part[1] + "\"\r\nContent-Type: text/csv") + "\r\n\r\n" + part[2] + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (content != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    }

    private void deleteTable(Probe.Answer created) {
        MinAppClient.Response deleted = admin.delete("/v1/table/" + created.json().path("id").asLong() + "/");
        assertThat(deleted.status()).as("%s", deleted).isEqualTo(204);
    }
}
