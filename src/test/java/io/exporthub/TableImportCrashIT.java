package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.ServiceProcess;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service killed with SIGKILL in the middle of a table import of 200,000 records, then started
 * again on the same store (H2, and MariaDB where batches go in with LOAD DATA): the import resumes
 * after the last batch that committed and ends with every row once and counts that are true.
 */
class TableImportCrashIT {

    private static final int RECORDS = 200_000;
    private static final int BATCH = 1000;
    /** Every this many records, one whose integer is not one: the failures must be counted once too. */
    private static final int BAD_EVERY = 10_007;

    @TempDir
    Path home;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void killedMidImportResumesAfterTheLastCommittedBatch(String store) throws Exception {
        Path serviceHome = home.resolve("service");
        String url;
        String user;
        TestDatabase mariaDb = null;
        if (store.equals("mariadb")) {
            mariaDb = TestDatabase.mariaDb();
            url = mariaDb.url();
            user = "root";
        } else {
            // AUTO_SERVER: the test reads the store while the service holds it
            url = "jdbc:h2:file:" + serviceHome.toAbsolutePath().resolve("store") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE";
            user = "sa";
        }
        try (ServiceProcess service = new ServiceProcess(serviceHome, "512m", Map.of(
                "EXPORTHUB_DB_URL", url, "EXPORTHUB_DB_USER", user, "EXPORTHUB_DB_PASSWORD", "",
                "EXPORTHUB_IMPORTS_BATCH_ROWS", String.valueOf(BATCH)))) {
            StringBuilder csv = new StringBuilder("s,i\n");
            List<Integer> badLines = new ArrayList<>();
            for (int k = 1; k <= RECORDS; k++) {
                boolean bad = k % BAD_EVERY == 0;
                if (bad) {
                    badLines.add(k + 1);
                }
                csv.append("row-").append(k).append(',').append(bad ? "x" : String.valueOf(k)).append('\n');
            }
            int good = RECORDS - badLines.size();

            service.start();
            MinAppClient api = new MinAppClient(service.baseUrl(), ServiceProcess.ADMIN_KEY);
            MinAppClient.Response created = api.post("/userve/v1/table/", Map.of("name", "crash", "schema", Map.of("fields", List.of(
                    Map.of("name", "s", "type", "string"), Map.of("name", "i", "type", "integer")))));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            long table = created.body().path("id").asLong();
            MinAppClient.Response upload = api.upload("/userve/v1/table/" + table + "/import/", "rows.csv",
                    csv.toString().getBytes(StandardCharsets.UTF_8), null);
            assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
            String job = upload.body().path("job_id").asText();

            long[] atKill = new long[1];
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> {
                atKill[0] = rows(url, user, table);
                if (atKill[0] >= RECORDS - BATCH * 20) {
                    throw new AssertionError("the import got too far before the kill: " + atKill[0] + " rows");
                }
                return atKill[0] >= BATCH * 5;
            });
            service.kill();

            service.start();
            MinAppClient restarted = new MinAppClient(service.baseUrl(), ServiceProcess.ADMIN_KEY);
            JsonNode ended = await().atMost(Duration.ofMinutes(3)).until(
                    () -> restarted.get("/userve/v1/table/" + table + "/import/" + job + "/").body(),
                    j -> j.path("status").asText().equals("finish") || j.path("status").asText().equals("failed"));
            System.out.printf("TableImportCrashIT(%s): killed at %d rows; job %s%n", store, atKill[0], ended);
            assertThat(ended.path("status").asText()).as("%s\n%s", ended, service.logTail(40)).isEqualTo("finish");
            assertThat(ended.path("inserted").asLong()).isEqualTo(good);
            assertThat(ended.path("failed").asLong()).isEqualTo(badLines.size());
            assertThat(ended.path("failures").findValues("line").stream().map(JsonNode::asInt).toList()).isEqualTo(badLines);
            assertThat(rows(url, user, table)).isEqualTo(good);
            try (Connection c = DriverManager.getConnection(url, user, "");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(DISTINCT `f_s`), MIN(`f_i`), MAX(`f_i`), SUM(`f_i`) FROM `tbl_" + table + "`")) {
                rs.next();
                assertThat(rs.getLong(1)).as("distinct records").isEqualTo(good);
                long expectedSum = (long) RECORDS * (RECORDS + 1) / 2 - badLines.stream().mapToLong(line -> line - 1).sum();
                assertThat(rs.getLong(4)).as("sum of i").isEqualTo(expectedSum);
            }
        } finally {
            if (mariaDb != null) {
                mariaDb.close();
            }
        }
    }

    private static long rows(String url, String user, long table) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM `tbl_" + table + "`")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
