package io.exporthub.minapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.TestDatabase;
import jakarta.mail.internet.MimeMessage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table import and export jobs through the MinApp HTTP API, with a real SMTP server (GreenMail):
 * a table of every field type is imported, then exported with each parameter in csv, json and xlsx,
 * and every file is compared with what the rows say it must hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TableJobsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
    static final String LINK_SECRET = "test-link-secret";
    static final int ROWS = 300;
    static final List<String> COLUMNS = List.of("id", "s", "i", "n", "b", "d", "tags", "meta", "geo", "f", "ref",
            "created_at", "updated_at", "created_by", "read_perm", "write_perm");

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    GreenMail smtp;
    MinAppClient admin;
    long tableId;
    List<ObjectNode> model;
    int users;

    @BeforeAll
    void start() throws Exception {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        db = TestDatabase.of(storeKind(), home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.mail.host", "127.0.0.1");
        props.put("exporthub.mail.port", String.valueOf(smtp.getSmtp().getPort()));
        props.put("exporthub.mail.from", "hub@example.com");
        props.put("exporthub.mail.redelivery-delay", "100");
        props.put("exporthub.exports.link-secret", LINK_SECRET);
        props.put("exporthub.exports.max-rows", "500");
        service = ExportHubService.start(home, props);
        admin = new MinAppClient(service.baseUrl(), ExportHubService.ADMIN_KEY);

        tableId = createTable("every_type");
        model = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        for (int k = 0; k < ROWS; k++) {
            ObjectNode row = row(k);
            model.add(row);
            lines.append(MAPPER.writeValueAsString(row)).append('\n');
        }
        JsonNode job = runImport(admin, tableId, "rows.json", lines.toString().getBytes(StandardCharsets.UTF_8), true);
        assertThat(job.path("inserted").asLong()).as(job.toString()).isEqualTo(ROWS);
    }

    /** The store the service runs on: {@code h2} here, {@code mariadb} in {@link TableJobsMariaDbTest}. */
    String storeKind() {
        return "h2";
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
        smtp.stop();
    }

    long createTable(String name) {
        MinAppClient.Response created = admin.post("/userve/v1/table/", Map.of("name", name, "schema", Map.of("fields", List.of(
                Map.of("name", "s", "type", "string"), Map.of("name", "i", "type", "integer"),
                Map.of("name", "n", "type", "number"), Map.of("name", "b", "type", "boolean"),
                Map.of("name", "d", "type", "date"), Map.of("name", "tags", "type", "array", "items", Map.of("type", "string")),
                Map.of("name", "meta", "type", "object"), Map.of("name", "geo", "type", "geojson"),
                Map.of("name", "f", "type", "file"), Map.of("name", "ref", "type", "reference")))));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.body().path("id").asLong();
    }

    /** Row k of the table: every type, with nulls, quotes, commas, newlines and non-ASCII text here and there. */
    static ObjectNode row(int k) {
        ObjectNode row = MAPPER.createObjectNode();
        row.put("id", String.format("%024x", k + 1));
        if (k % 11 == 0) {
            row.putNull("s");
        } else if (k % 7 == 0) {
            row.put("s", "He said \"hi\", ok\nline " + k + " 中文");
        } else {
            row.put("s", "name-" + k);
        }
        if (k % 13 == 0) {
            row.putNull("i");
        } else {
            row.put("i", (long) (k % 50) * 3 - 100);
        }
        row.put("n", k * 0.25 + 0.1);
        if (k % 17 == 0) {
            row.putNull("b");
        } else {
            row.put("b", k % 2 == 0);
        }
        row.put("d", iso(1_700_000_000_000L + k * 3_600_000L));
        row.set("tags", MAPPER.createArrayNode().add("t" + k % 5).add("x"));
        if (k % 19 == 0) {
            row.putNull("meta");
        } else {
            row.set("meta", MAPPER.createObjectNode().put("k", k).put("even", k % 2 == 0));
        }
        row.set("geo", MAPPER.createObjectNode().put("type", "Point").set("coordinates", MAPPER.createArrayNode().add(k).add(k + 1)));
        row.set("f", MAPPER.createObjectNode().put("id", "file" + k).put("name", "f.txt").put("size", k));
        row.put("ref", "ref" + k % 3);
        row.put("created_at", 1_600_000_000L + k);
        row.put("updated_at", 1_600_000_010L + k);
        row.put("created_by", 7);
        row.set("read_perm", MAPPER.createArrayNode().add("user:anonymous"));
        row.set("write_perm", MAPPER.createArrayNode().add("user:anonymous"));
        return row;
    }

    static String iso(long millis) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(millis).atZone(ZONE).toOffsetDateTime());
    }

    /** A new user (exports are limited per user and table, and these tests export one table often). */
    MinAppClient newUser() {
        String name = "user" + (++users);
        MinAppClient.Response key = new MinAppClient(service.baseUrl(), ExportHubService.ADMIN_KEY)
                .post("/byoa/api/v1/key/create", Map.of("user_name", name, "email", name + "@example.com"));
        return admin.withKey(key.body().path("data").path("key").asText());
    }

    JsonNode runImport(MinAppClient client, long table, String name, byte[] content, Boolean useId) {
        MinAppClient.Response created = client.upload("/userve/v1/table/" + table + "/import/", name, content, useId);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String jobId = created.body().path("job_id").asText();
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> client.get("/userve/v1/table/" + table + "/import/" + jobId + "/").body(),
                j -> j.path("status").asText().equals("finish") || j.path("status").asText().equals("failed"));
    }

    /** Runs an export as a new user and answers the finished job. */
    JsonNode runExport(MinAppClient client, long table, Map<String, Object> request) {
        MinAppClient.Response created = client.post("/userve/v1.5/table/" + table + "/export/", request);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.body().path("status").asText()).isEqualTo("ok");
        String jobId = created.body().path("job_id").asText();
        assertThat(jobId).hasSize(32);
        JsonNode job = await().atMost(Duration.ofSeconds(60)).until(
                () -> client.get("/userve/v1.5/table/" + table + "/export/" + jobId + "/").body(),
                j -> j.path("status").asText().equals("finish") || j.path("status").asText().equals("failed"));
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("finish");
        return job;
    }

    byte[] download(JsonNode job) {
        HttpResponse<byte[]> response = MinAppClient.fetch(job.path("download_url").asText());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    String exportText(Map<String, Object> request) {
        return new String(download(runExport(newUser(), tableId, request)), StandardCharsets.UTF_8);
    }

    static String jsonLines(Stream<ObjectNode> rows) {
        return rows.map(r -> {
            try {
                return MAPPER.writeValueAsString(r) + "\n";
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).collect(Collectors.joining());
    }

    // ---- where

    static Arguments where(String json, Predicate<ObjectNode> expected) {
        return Arguments.of(json, expected);
    }

    static Long i(ObjectNode r) {
        return r.path("i").isNull() ? null : r.path("i").asLong();
    }

    static String s(ObjectNode r) {
        return r.path("s").isNull() ? null : r.path("s").asText();
    }

    static List<Arguments> wheres() {
        return List.of(
                where("{\"i\": {\"$gt\": 20}}", r -> i(r) != null && i(r) > 20),
                where("{\"i\": {\"$lt\": 10, \"$gte\": -4}}", r -> i(r) != null && i(r) < 10 && i(r) >= -4),
                where("{\"i\": {\"$lte\": -97}}", r -> i(r) != null && i(r) <= -97),
                where("{\"i\": {\"$ne\": 2}}", r -> !Objects.equals(i(r), 2L)),
                where("{\"i\": {\"$in\": [2, 5, 8]}}", r -> i(r) != null && List.of(2L, 5L, 8L).contains(i(r))),
                where("{\"i\": {\"$nin\": [2, 5, 8]}}", r -> i(r) == null || !List.of(2L, 5L, 8L).contains(i(r))),
                where("{\"i\": {\"$eq\": 5}}", r -> Objects.equals(i(r), 5L)),
                where("{\"i\": null}", r -> i(r) == null),
                where("{\"s\": \"name-10\"}", r -> "name-10".equals(s(r))),
                where("{\"s\": {\"$contains\": \"name-1\"}}", r -> s(r) != null && s(r).contains("name-1")),
                where("{\"s\": {\"$icontains\": \"HE SAID\"}}", r -> s(r) != null && s(r).toLowerCase().contains("he said")),
                where("{\"s\": {\"$regex\": \"^name-1\\\\d$\"}}", r -> s(r) != null && s(r).matches("name-1\\d")),
                where("{\"s\": {\"$regex\": \"^NAME-2$\", \"$options\": \"i\"}}", r -> "name-2".equals(s(r))),
                where("{\"b\": true}", r -> r.path("b").isBoolean() && r.path("b").asBoolean()),
                where("{\"b\": {\"$isnull\": true}}", r -> r.path("b").isNull()),
                where("{\"meta\": {\"$exists\": false}}", r -> r.path("meta").isNull()),
                where("{\"meta\": {\"$isnull\": false}}", r -> !r.path("meta").isNull()),
                where("{\"meta\": {\"$has_key\": \"even\"}}", r -> r.path("meta").has("even")),
                where("{\"n\": {\"$range\": [1.0, 5.0]}}", r -> r.path("n").asDouble() >= 1.0 && r.path("n").asDouble() <= 5.0),
                where("{\"tags\": {\"$all\": [\"t1\", \"x\"]}}", r -> r.path("tags").get(0).asText().equals("t1")),
                where("{\"tags\": {\"$in\": [\"t2\", \"t3\"]}}", r -> List.of("t2", "t3").contains(r.path("tags").get(0).asText())),
                where("{\"d\": {\"$gte\": \"" + iso(1_700_000_000_000L + 250 * 3_600_000L) + "\"}}",
                        r -> r.path("d").asText().compareTo(iso(1_700_000_000_000L + 250 * 3_600_000L)) >= 0),
                where("{\"created_at\": {\"$lte\": 1600000010}}", r -> r.path("created_at").asLong() <= 1_600_000_010L),
                where("{\"ref\": \"ref1\"}", r -> r.path("ref").asText().equals("ref1")),
                where("{\"id\": {\"$in\": [\"000000000000000000000003\", \"000000000000000000000007\"]}}",
                        r -> List.of("000000000000000000000003", "000000000000000000000007").contains(r.path("id").asText())),
                where("{\"$or\": [{\"i\": {\"$lt\": -95}}, {\"s\": {\"$regex\": \"5$\"}}]}",
                        r -> (i(r) != null && i(r) < -95) || (s(r) != null && s(r).matches("(?s).*5$"))),
                where("{\"$and\": [{\"b\": false}, {\"$or\": [{\"i\": {\"$gt\": 40}}, {\"ref\": \"ref0\"}]}]}",
                        r -> r.path("b").isBoolean() && !r.path("b").asBoolean()
                                && ((i(r) != null && i(r) > 40) || r.path("ref").asText().equals("ref0"))));
    }

    @ParameterizedTest
    @MethodSource("wheres")
    void partExportsTheRowsTheWhereMatches(String where, Predicate<ObjectNode> expected) throws Exception {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("file_type", "json");
        request.put("mode", "part");
        request.put("where", MAPPER.readValue(where, Map.class));
        String expectedText = jsonLines(model.stream().filter(expected));
        assertThat(expectedText).as("the case selects something").isNotEmpty();
        assertThat(exportText(request)).isEqualTo(expectedText);
    }

    @Test
    void jsonExportOfAllRowsOrderedByStringThenNewestFirst() {
        String text = exportText(Map.of("file_type", "json", "mode", "all", "order_by", List.of("s", "-created_at"),
                "where", Map.of("i", 5)));
        Comparator<ObjectNode> order = Comparator.comparing(TableJobsTest::s, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(r -> -r.path("created_at").asLong());
        assertThat(text).as("mode all ignores where").isEqualTo(jsonLines(model.stream().sorted(order)));
    }

    @Test
    void csvExportWithIncludeKeysOrderCustomHeadersAndTimestamps() throws Exception {
        String text = exportText(Map.of("file_type", "csv", "mode", "all",
                "include_keys", List.of("id", "s", "i", "d", "tags", "created_at"),
                "order_by", List.of("-i"),
                "csv_customize_headers", List.of("ID", "Name", "Int", "Date", "Tags", "Created"),
                "timestamp_convert_keys", List.of("created_at")));
        Comparator<ObjectNode> order = Comparator.comparing(TableJobsTest::i, Comparator.nullsFirst(Comparator.<Long>naturalOrder()))
                .reversed().thenComparing(r -> r.path("id").asText());
        StringWriter expected = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(expected, CSVFormat.RFC4180)) {
            csv.printRecord("ID", "Name", "Int", "Date", "Tags", "Created");
            for (ObjectNode r : model.stream().sorted(order).toList()) {
                csv.printRecord(r.path("id").asText(), s(r) == null ? "" : s(r), i(r) == null ? "" : String.valueOf(i(r)),
                        r.path("d").asText(), MAPPER.writeValueAsString(r.path("tags")), iso(r.path("created_at").asLong() * 1000));
            }
        }
        assertThat(text).isEqualTo(expected.toString());
    }

    @Test
    void xlsxExportReadsBackCellByCell() throws Exception {
        JsonNode job = runExport(newUser(), tableId, Map.of("file_type", "xlsx", "mode", "part",
                "where", Map.of("i", Map.of("$gte", 0)), "exclude_keys", List.of("meta", "geo", "f"), "order_by", List.of("b", "-n")));
        assertThat(job.path("file_name").asText()).endsWith(".xlsx");
        List<String> columns = COLUMNS.stream().filter(c -> !List.of("meta", "geo", "f").contains(c)).toList();
        Comparator<ObjectNode> order = Comparator.<ObjectNode, Integer>comparing(r -> r.path("b").isNull() ? 0 : r.path("b").asBoolean() ? 2 : 1)
                .thenComparing(r -> -r.path("n").asDouble());
        List<ObjectNode> expected = model.stream().filter(r -> i(r) != null && i(r) >= 0).sorted(order).toList();
        try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(download(job)))) {
            Sheet sheet = workbook.getSheetAt(0);
            assertThat(sheet.getLastRowNum()).isEqualTo(expected.size());
            Row header = sheet.getRow(0);
            for (int c = 0; c < columns.size(); c++) {
                assertThat(header.getCell(c).getStringCellValue()).isEqualTo(columns.get(c));
            }
            for (int r = 0; r < expected.size(); r++) {
                Row row = sheet.getRow(r + 1);
                for (int c = 0; c < columns.size(); c++) {
                    JsonNode value = expected.get(r).path(columns.get(c));
                    Cell cell = row.getCell(c);
                    String at = "row " + (r + 1) + " " + columns.get(c);
                    if (value.isNull()) {
                        assertThat(cell).as(at).isNull();
                    } else if (value.isNumber()) {
                        assertThat(cell.getNumericCellValue()).as(at).isEqualTo(value.asDouble());
                    } else if (value.isBoolean()) {
                        assertThat(cell.getBooleanCellValue()).as(at).isEqualTo(value.asBoolean());
                    } else {
                        assertThat(cell.getCellType()).as(at).isEqualTo(CellType.STRING);
                        assertThat(cell.getStringCellValue()).as(at)
                                .isEqualTo(value.isTextual() ? value.asText() : MAPPER.writeValueAsString(value));
                    }
                }
            }
        }
    }

    // ---- round trips

    @Test
    void importThenExportKeepsEveryValueInCsvAndJson() throws Exception {
        String all = jsonLines(model.stream());
        MinAppClient user = newUser();
        byte[] csv = download(runExport(user, tableId, Map.of("file_type", "csv", "mode", "all")));

        long fromCsv = createTable("from_csv");
        JsonNode imported = runImport(admin, fromCsv, "rows.csv", csv, true);
        assertThat(imported.path("inserted").asLong()).as(imported.toString()).isEqualTo(ROWS);
        String csvBack = new String(download(runExport(user, fromCsv, Map.of("file_type", "json", "mode", "all"))), StandardCharsets.UTF_8);
        assertThat(csvBack).isEqualTo(all);

        long fromJson = createTable("from_json");
        JsonNode importedJson = runImport(admin, fromJson, "rows.json", csvBack.getBytes(StandardCharsets.UTF_8), true);
        assertThat(importedJson.path("inserted").asLong()).isEqualTo(ROWS);
        String jsonBack = new String(download(runExport(user, fromJson, Map.of("file_type", "json", "mode", "all"))), StandardCharsets.UTF_8);
        assertThat(jsonBack).isEqualTo(all);
    }

    // ---- import failures, limits, e-mail and links

    MimeMessage mailFor(String recipient, String subjectPart) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Stream.of(smtp.getReceivedMessages()).filter(m -> {
            try {
                return m.getAllRecipients()[0].toString().equals(recipient) && m.getSubject().contains(subjectPart);
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElse(null), Objects::nonNull);
    }

    @Test
    void anImportOfAThousandRowsWithFiveBadOnesInsertsTheRestAndMailsTheFailures() throws Exception {
        long table = createTable("thousand");
        MinAppClient user = newUser();
        String email = "user" + users + "@example.com";
        StringBuilder csv = new StringBuilder("\uFEFFs,i,b,d\r\n");
        List<Integer> badLines = List.of(11, 202, 503, 804, 1001);
        for (int line = 2; line <= 1001; line++) {
            String i = badLines.contains(line) ? "not-a-number" : String.valueOf(line);
            csv.append("row ").append(line).append(',').append(i).append(",true,2024-01-31T08:00:00+08:00\r\n");
        }
        JsonNode job = runImport(user, table, "rows.csv", csv.toString().getBytes(StandardCharsets.UTF_8), null);
        assertThat(job.path("status").asText()).isEqualTo("finish");
        assertThat(job.path("inserted").asLong()).isEqualTo(995);
        assertThat(job.path("failed").asLong()).isEqualTo(5);
        assertThat(job.path("failures").findValues("line").stream().map(JsonNode::asInt).toList()).isEqualTo(badLines);
        assertThat(job.path("failures").get(0).path("reason").asText()).isEqualTo("i: expected an integer (integer field)");

        String body = GreenMailUtil.getBody(mailFor(email, "Import into table thousand"));
        assertThat(body).contains("995 rows inserted, 5 failed");
        for (int line : badLines) {
            assertThat(body).contains("line " + line + ": i: expected an integer");
        }
    }

    @Test
    void theMailedLinkDownloadsTheExactFileAndTamperedOrExpiredLinksAreRefused() throws Exception {
        MinAppClient user = newUser();
        String email = "user" + users + "@example.com";
        JsonNode job = runExport(user, tableId, Map.of("file_type", "json", "mode", "part", "where", Map.of("ref", "ref2")));
        String body = GreenMailUtil.getBody(mailFor(email, "Export of table every_type"));
        assertThat(body).contains(job.path("row_count").asText() + " rows");
        Matcher link = Pattern.compile("(http://\\S+)").matcher(body.replace("=\r\n", ""));
        assertThat(link.find()).as(body).isTrue();
        String url = link.group(1).replace("=3D", "=");
        assertThat(url).isEqualTo(job.path("download_url").asText());

        HttpResponse<byte[]> file = MinAppClient.fetch(url);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(new String(file.body(), StandardCharsets.UTF_8))
                .isEqualTo(jsonLines(model.stream().filter(r -> r.path("ref").asText().equals("ref2"))));

        String signature = url.substring(url.indexOf("signature=") + 10);
        String flipped = (signature.charAt(0) == 'a' ? "b" : "a") + signature.substring(1);
        assertThat(MinAppClient.fetch(url.replace(signature, flipped)).statusCode()).isEqualTo(403);
        assertThat(MinAppClient.fetch(url.replaceFirst("expires=\\d+", "expires=4102444800")).statusCode()).isEqualTo(403);

        String jobId = job.path("job_id").asText();
        String fileName = job.path("file_name").asText();
        long past = Instant.now().getEpochSecond() - 1;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(LINK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String pastSignature = HexFormat.of().formatHex(mac.doFinal((jobId + "\n" + fileName + "\n" + past).getBytes(StandardCharsets.UTF_8)));
        String expired = service.baseUrl() + "/exports/" + jobId + "/" + fileName + "?expires=" + past + "&signature=" + pastSignature;
        HttpResponse<byte[]> refused = MinAppClient.fetch(expired);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("\"status\":\"error\"");
    }

    static List<Arguments> refusedExports() {
        return List.of(
                Arguments.of(Map.of("file_type", "csv", "mode", "all", "include_keys", List.of("nope")), "include_keys[0]: unknown field 'nope'"),
                Arguments.of(Map.of("file_type", "csv", "mode", "all", "exclude_keys", List.of("s", "zz")), "exclude_keys[1]: unknown field 'zz'"),
                Arguments.of(Map.of("file_type", "json", "mode", "part", "where", Map.of("geo", Map.of("$near", List.of(1, 2)))),
                        "where.geo.$near: operator $near is not supported"),
                Arguments.of(Map.of("file_type", "json", "mode", "part", "where", Map.of("i", Map.of("$regex", "1"))),
                        "where.i.$regex: operator $regex cannot be applied to i (a integer field)"),
                Arguments.of(Map.of("file_type", "csv", "mode", "all", "include_keys", List.of("id", "s"), "csv_customize_headers", List.of("A")),
                        "csv_customize_headers: has 1 names for 2 exported columns"),
                Arguments.of(Map.of("file_type", "csv", "mode", "all", "order_by", List.of("-tags")),
                        "order_by[0]: cannot order by tags (a array field)"),
                Arguments.of(Map.of("file_type", "pdf", "mode", "all"), "file_type: must be csv, json or xlsx"),
                Arguments.of(Map.of("file_type", "csv", "mode", "part"), "where: is required"));
    }

    @ParameterizedTest
    @MethodSource("refusedExports")
    void badExportRequestsAre400AndQueueNothing(Map<String, Object> request, String message) {
        MinAppClient user = newUser();
        long before = user.get("/userve/v1.5/table/" + tableId + "/export/").body().path("meta").path("total_count").asLong();
        MinAppClient.Response refused = user.post("/oserve/v1.5/table/" + tableId + "/export/", request);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("status").asText()).isEqualTo("error");
        assertThat(refused.body().path("error_msg").asText()).startsWith(message);
        assertThat(user.get("/userve/v1.5/table/" + tableId + "/export/").body().path("meta").path("total_count").asLong()).isEqualTo(before);
    }

    @Test
    void aSecondExportWithinAMinuteAndTooManyRowsAre400() {
        MinAppClient user = newUser();
        runExport(user, tableId, Map.of("file_type", "csv", "mode", "all"));
        MinAppClient.Response again = user.post("/userve/v1.5/table/" + tableId + "/export/", Map.of("file_type", "csv", "mode", "all"));
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.body().path("error_msg").asText()).contains("wait 60 s between exports of one table");

        long big = createTable("big");
        StringBuilder lines = new StringBuilder();
        for (int k = 0; k < 501; k++) {
            lines.append("{\"i\": ").append(k).append("}\n");
        }
        assertThat(runImport(admin, big, "big.json", lines.toString().getBytes(StandardCharsets.UTF_8), null).path("inserted").asLong())
                .isEqualTo(501);
        MinAppClient.Response tooMany = newUser().post("/userve/v1.5/table/" + big + "/export/", Map.of("file_type", "csv", "mode", "all"));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body().path("error_msg").asText()).isEqualTo("the export would hold 501 rows, more than the limit of 500");
        MinAppClient.Response part = newUser().post("/userve/v1.5/table/" + big + "/export/",
                Map.of("file_type", "csv", "mode", "part", "where", Map.of("i", Map.of("$lt", 500))));
        assertThat(part.status()).as("the limit counts the rows the where selects").isEqualTo(201);
    }

    @Test
    void filesThatAreNotCsvOrJsonAre400InvalidFile() {
        MinAppClient user = newUser();
        String path = "/userve/v1/table/" + tableId + "/import/";
        List<MinAppClient.Response> refused = List.of(
                user.upload(path, "rows.txt", "s\nx\n".getBytes(StandardCharsets.UTF_8), null),
                user.upload(path, "rows.csv", new byte[0], null),
                user.upload(path, "rows.csv", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2}, null),
                user.upload(path, "rows.json", "just text".getBytes(StandardCharsets.UTF_8), null),
                user.upload(path, "rows.csv", "nope,s\n1,2\n".getBytes(StandardCharsets.UTF_8), null));
        for (MinAppClient.Response r : refused) {
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.body().path("error_msg").asText()).as(r.toString()).startsWith("无效的文件");
        }
    }

    @Test
    void fieldNamesLongerThanTheStoresNamesAllowAre400() {
        // a field's column is f_<name>: 62 characters fill the store's 64
        String longest = "f" + "x".repeat(61);
        for (String tooLong : List.of(longest + "y", "g".repeat(64))) {
            MinAppClient.Response refused = admin.post("/userve/v1/table/", Map.of("name", "long names", "schema",
                    Map.of("fields", List.of(Map.of("name", "s", "type", "string"), Map.of("name", tooLong, "type", "string")))));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.body().path("error_msg").asText()).as(refused.toString())
                    .isEqualTo("schema.fields[1].name: must be at most 62 characters");
        }
        MinAppClient.Response created = admin.post("/userve/v1/table/", Map.of("name", "long names", "schema",
                Map.of("fields", List.of(Map.of("name", longest, "type", "string")))));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long id = created.body().path("id").asLong();
        assertThat(admin.get("/userve/v1/table/" + id + "/").body().path("schema").path("fields").get(0).path("name").asText())
                .isEqualTo(longest);
        assertThat(admin.delete("/userve/v1/table/" + id + "/").status()).isEqualTo(204);
    }

    @Test
    void tablesAreListedFetchedAndDeletedAndOtherWorkspacesSeeNone() {
        MinAppClient.Response list = admin.get("/userve/v1/table/");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().path("objects").findValues("name").stream().map(JsonNode::asText).toList()).contains("every_type");
        MinAppClient.Response one = admin.get("/oserve/v1/table/" + tableId + "/");
        assertThat(one.body().path("schema").path("fields").get(5).toString())
                .isEqualTo("{\"name\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
        String otherKey = admin.post("/byoa/api/v1/key/create", Map.of("workspace", "other", "user_name", "o")).body().path("data").path("key").asText();
        assertThat(admin.withKey(otherKey).get("/userve/v1/table/" + tableId + "/").status()).isEqualTo(404);
        assertThat(admin.withKey(otherKey).get("/userve/v1.5/table/" + tableId + "/export/").status()).isEqualTo(404);
        assertThat(admin.withKey(null).get("/userve/v1/table/").status()).isEqualTo(401);

        long doomed = createTable("doomed");
        assertThat(admin.delete("/userve/v1/table/" + doomed + "/").status()).isEqualTo(204);
        assertThat(admin.get("/userve/v1/table/" + doomed + "/").status()).isEqualTo(404);
    }

    // ---- hostile input

    @Test
    void everyTextCellAndHeaderThatASpreadsheetWouldRunIsNeutralisedInCsv() throws Exception {
        long table = createTable("formulas");
        List<String> payloads = List.of("=HYPERLINK(\"http://evil.test\",\"x\")", "@SUM(A1:A2)", "+1+1", "-2+3", "\t=1+1", "\r=1+1", "\uFF1D1+1");
        StringBuilder lines = new StringBuilder();
        for (String p : payloads) {
            lines.append(MAPPER.writeValueAsString(Map.of("s", p, "ref", p, "tags", List.of(p)))).append('\n');
        }
        JsonNode imported = runImport(admin, table, "f.json", lines.toString().getBytes(StandardCharsets.UTF_8), null);
        assertThat(imported.path("inserted").asLong()).as(imported.toString()).isEqualTo(payloads.size());
        String text = new String(download(runExport(newUser(), table, Map.of("file_type", "csv", "mode", "all",
                "include_keys", List.of("s", "ref", "tags"), "csv_customize_headers", List.of("=cmd|' /C calc'!A0", "@x", "+y")))),
                StandardCharsets.UTF_8);
        List<org.apache.commons.csv.CSVRecord> records = CSVFormat.RFC4180.parse(new java.io.StringReader(text)).getRecords();
        assertThat(records.get(0).toList()).containsExactly("'=cmd|' /C calc'!A0", "'@x", "'+y");
        assertThat(records).hasSize(payloads.size() + 1);
        for (org.apache.commons.csv.CSVRecord record : records) {
            for (String cell : record) {
                assertThat("=+-@\t\r\uFF1D".indexOf(cell.charAt(0))).as("cell %s of %s", cell, text).isEqualTo(-1);
            }
        }
        assertThat(records.stream().skip(1).map(r -> r.get(1)).toList()).containsExactlyInAnyOrderElementsOf(
                payloads.stream().map(p -> "'" + p).toList());
    }

    @Test
    void aCsvHeaderNamingAColumnTwiceIs400NamingIt() {
        long table = createTable("twice");
        MinAppClient.Response refused = admin.upload("/userve/v1/table/" + table + "/import/", "rows.csv",
                "s,i,s\na,1,b\n".getBytes(StandardCharsets.UTF_8), null);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.body().path("error_msg").asText()).startsWith("无效的文件").contains("'s' is there twice");
        assertThat(admin.get("/userve/v1/table/" + table + "/import/").body().path("meta").path("total_count").asLong()).isZero();
    }

    @Test
    void aJsonFileOfOneArrayAndAJsonLinesFileBothImport() {
        long table = createTable("json_shapes");
        JsonNode array = runImport(admin, table, "rows.json",
                "[\n  {\"s\": \"a\", \"i\": 1},\n  {\"s\": \"b\", \"i\": 2},\n  {\"s\": \"c\", \"i\": 3}\n]\n"
                        .getBytes(StandardCharsets.UTF_8), null);
        assertThat(array.path("status").asText()).as(array.toString()).isEqualTo("finish");
        assertThat(array.path("inserted").asLong()).isEqualTo(3);
        JsonNode lines = runImport(admin, table, "rows.jsonl",
                "{\"s\": \"d\", \"i\": 4}\n{\"s\": \"e\", \"i\": 5}\n".getBytes(StandardCharsets.UTF_8), null);
        assertThat(lines.path("status").asText()).as(lines.toString()).isEqualTo("finish");
        assertThat(lines.path("inserted").asLong()).isEqualTo(2);
        String text = new String(download(runExport(newUser(), table, Map.of("file_type", "csv", "mode", "all",
                "include_keys", List.of("s", "i"), "order_by", List.of("i")))), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("s,i\r\na,1\r\nb,2\r\nc,3\r\nd,4\r\ne,5\r\n");
    }

    @Test
    void aDownloadLinkServesNothingOnceItsTableIsDeleted() {
        long table = createTable("deleted_later");
        runImport(admin, table, "rows.json", "{\"s\": \"secret\"}\n".getBytes(StandardCharsets.UTF_8), null);
        JsonNode job = runExport(newUser(), table, Map.of("file_type", "csv", "mode", "all"));
        String url = job.path("download_url").asText();
        assertThat(MinAppClient.fetch(url).statusCode()).isEqualTo(200);
        assertThat(admin.delete("/userve/v1/table/" + table + "/").status()).isEqualTo(204);
        HttpResponse<byte[]> after = MinAppClient.fetch(url);
        assertThat(after.statusCode()).isEqualTo(404);
        assertThat(new String(after.body(), StandardCharsets.UTF_8)).doesNotContain("secret");
        assertThat(home.resolve("exports").resolve(job.path("job_id").asText())).doesNotExist();
    }

    @Test
    void aTableNameWithALineBreakIs400() {
        MinAppClient.Response refused = admin.post("/userve/v1/table/", Map.of("name", "t\n2026-12-04 ERROR forged",
                "schema", Map.of("fields", List.of(Map.of("name", "s", "type", "string")))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error_msg").asText()).startsWith("name: must not hold control characters");
    }

    @Test
    void aRegexThatWouldBacktrackForMinutesOverALongValueEndsAtOnceAndLookAroundsAre400() throws Exception {
        long table = createTable("regex");
        String lines = MAPPER.writeValueAsString(Map.of("s", "a".repeat(30_000))) + "\n"
                + "{\"s\": \"xaayb\"}\n{\"s\": \"aab\"}\n{\"s\": \"ab\"}\n";
        runImport(admin, table, "rows.json", lines.getBytes(StandardCharsets.UTF_8), null);
        long started = System.nanoTime();
        String text = new String(download(runExport(newUser(), table, Map.of("file_type", "csv", "mode", "part",
                "include_keys", List.of("s"), "order_by", List.of("s"), "where", Map.of("s", Map.of("$regex", ".*a.*a.*b"))))),
                StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("s\r\naab\r\nxaayb\r\n");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        for (String backtracking : List.of("(?=a)a", "(a)\\1", "a".repeat(1001))) {
            MinAppClient.Response refused = newUser().post("/userve/v1.5/table/" + table + "/export/",
                    Map.of("file_type", "csv", "mode", "part", "where", Map.of("s", Map.of("$regex", backtracking))));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.body().path("error_msg").asText()).startsWith("where.s.$regex: ");
        }
    }

    @Test
    void anEmailFieldTakesOneAddressAndTheMailGoesToOneAddressOnly() throws Exception {
        for (String list : List.of("a@b.test,attacker@evil.test", "a@b.test attacker@evil.test", "a@b.test;attacker@evil.test",
                "Alice <a@b.test>", "group: a@b.test, attacker@evil.test;", "a@b.test\r\nBcc: attacker@evil.test", "not-an-address")) {
            MinAppClient.Response refused = admin.post("/byoa/api/v1/key/create", Map.of("user_name", "listy", "email", list));
            assertThat(refused.status()).as(list + " " + refused).isEqualTo(400);
            assertThat(refused.body().toString()).as(list).contains("email: must be one e-mail address");
        }
        // a list stored before addresses were checked: the job's mail goes to nobody rather than to all of it
        MinAppClient user = newUser();
        String name = "user" + users;
        try (java.sql.Connection c = db.connect(); java.sql.PreparedStatement ps = c.prepareStatement("UPDATE users SET email = ? WHERE name = ?")) {
            ps.setString(1, name + "@example.com,attacker@evil.test");
            ps.setString(2, name);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        JsonNode job = runExport(user, tableId, Map.of("file_type", "csv", "mode", "part", "where", Map.of("ref", "ref1")));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (java.sql.Connection c = db.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                    "SELECT reason FROM mail_outbox WHERE job_id = ?")) {
                ps.setString(1, job.path("job_id").asText());
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        }, reason -> reason != null && reason.contains("not one address"));
        for (MimeMessage m : smtp.getReceivedMessages()) {
            assertThat(m.getAllRecipients()).hasSize(1);
            assertThat(m.getAllRecipients()[0].toString()).doesNotContain("evil.test");
        }
    }
}
