package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exporthub.testing.MinAppClient;
import io.exporthub.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's own log: a value someone sent, holding a line break and what looks like a log line, stays
 * inside the line that quotes it (the import's failure reason, logged with the job's unsent e-mail).
 */
class LogForgingIT {

    private static final String FORGED = "2026-01-01T00:00:00,000 ERROR [main] ApiKeys - forged line";

    @TempDir
    Path home;

    @Test
    void aLineBreakInAValueCannotStartALogLine() throws Exception {
        try (ServiceProcess service = new ServiceProcess(home.resolve("service"), "256m", Map.of())) {
            service.start();
            MinAppClient api = new MinAppClient(service.baseUrl(), ServiceProcess.ADMIN_KEY);
            MinAppClient.Response created = api.post("/userve/v1/table/", Map.of("name", "logged", "schema", Map.of("fields",
                    List.of(Map.of("name", "s", "type", "string")))));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            long table = created.body().path("id").asLong();
            String record = new ObjectMapper().writeValueAsString(Map.of("x\n" + FORGED + "\r\n" + FORGED, 1)) + "\n";
            MinAppClient.Response upload = api.upload("/userve/v1/table/" + table + "/import/", "rows.json",
                    record.getBytes(StandardCharsets.UTF_8), null);
            assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
            String job = upload.body().path("job_id").asText();
            JsonNode ended = await().atMost(Duration.ofMinutes(1)).until(
                    () -> api.get("/userve/v1/table/" + table + "/import/" + job + "/").body(),
                    j -> j.path("status").asText().equals("finish"));
            assertThat(ended.path("failed").asInt()).isEqualTo(1);
            // the job's e-mail (no SMTP host here) is logged with its body, which quotes the reason
            List<String> lines = await().atMost(Duration.ofSeconds(30)).until(
                    () -> Files.readAllLines(service.logFile(), StandardCharsets.UTF_8),
                    all -> all.stream().anyMatch(l -> l.contains("e-mail kept in the outbox") && l.contains(job)));
            assertThat(lines).noneMatch(l -> l.startsWith(FORGED));
            assertThat(lines).anyMatch(l -> l.contains("unknown field 'x\\n" + FORGED + "\\r\\n" + FORGED + "'"));
        }
    }
}
