package io.exporthub.connector;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.TargetDatabase;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connectors' secrets are encrypted in the store: the raw rows hold none of them, the connectors
 * still reach their servers, a key can be rotated (values under the previous key are written again
 * under the new one at start), and with no key configured one is made in a file only its owner reads.
 */
class SecretsAtRestTest {

    @TempDir
    Path home;

    static String newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void theStoreHoldsNoSecretTheConnectorStillWorksAndTheKeyRotates() throws Exception {
        String first = newKey();
        String second = newKey();
        try (TestDatabase store = TestDatabase.h2(home); TargetDatabase target = TargetDatabase.create()) {
            Map<String, String> props = ExportHubService.defaults(home, store);
            props.put("exporthub.secrets.key", first);
            props.put("exporthub.health.probe-interval", "300");
            try (ExportHubService service = ExportHubService.start(home, props)) {
                ApiClient api = service.api();
                Tasks.createConnector(api, "db", "matrixone", target.connectorConfig());
                Tasks.createConnector(api, "kb", "dify", Map.of("api_url", "http://127.0.0.1:9/v1", "api_key", "dify-api-key-secret"));
                Tasks.createConnector(api, "bucket", "s3", Map.of("endpoint", "http://127.0.0.1:9", "bucket_name", "b-1",
                        "access_key_id", "id", "access_key_secret", "s3-access-key-secret", "path_style", true));
                assertThat(probe(service, "db")).isEqualTo("UP");
                // the probe does sign in: a wrong password is DOWN
                Map<String, Object> wrong = new java.util.LinkedHashMap<>(target.connectorConfig());
                wrong.put("password", "wrong-password-secret");
                Tasks.createConnector(api, "wrong", "matrixone", wrong);
                assertThat(probe(service, "wrong")).startsWith("DOWN").contains("1045");
            }
            List<String> rows = rows(store);
            assertThat(rows).hasSize(4).allSatisfy(row -> assertThat(row).contains("enc:v1:"));
            assertThat(String.join("\n", rows)).doesNotContain(target.password()).doesNotContain("dify-api-key-secret")
                    .doesNotContain("s3-access-key-secret").doesNotContain("wrong-password-secret");

            // rotation: the new key, the old one as previous; at start every secret is written again under the new key
            props.put("exporthub.secrets.key", second);
            props.put("exporthub.secrets.previous-keys", first);
            try (ExportHubService service = ExportHubService.start(home, props)) {
                assertThat(probe(service, "db")).isEqualTo("UP");
            }
            List<String> rotated = rows(store);
            assertThat(rotated).hasSize(4).doesNotContainAnyElementsOf(rows);
            // the previous key is no longer needed
            props.remove("exporthub.secrets.previous-keys");
            try (ExportHubService service = ExportHubService.start(home, props)) {
                assertThat(probe(service, "db")).isEqualTo("UP");
            }
            assertThat(rows(store)).isEqualTo(rotated);
        }
    }

    @Test
    void withNoKeyConfiguredOneIsMadeInAFileOnlyItsOwnerReads() throws Exception {
        try (TestDatabase store = TestDatabase.h2(home); TargetDatabase target = TargetDatabase.create()) {
            Map<String, String> props = ExportHubService.defaults(home, store);
            props.put("exporthub.health.probe-interval", "300");
            Path keyFile = Path.of(props.get("exporthub.secrets.key-file"));
            assertThat(keyFile).doesNotExist();
            try (ExportHubService service = ExportHubService.start(home, props)) {
                Tasks.createConnector(service.api(), "db", "matrixone", target.connectorConfig());
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
            assertThat(Base64.getDecoder().decode(Files.readString(keyFile).trim())).hasSize(32);
            assertThat(String.join("\n", rows(store))).contains("enc:v1:").doesNotContain(target.password());
            // the same key on the next start
            try (ExportHubService service = ExportHubService.start(home, props)) {
                assertThat(probe(service, "db")).isEqualTo("UP");
            }
        }
    }

    private static List<String> rows(TestDatabase store) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = store.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT config FROM connectors ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /**
     * The background probe's word on one connector, as the workspace's admin reads it from health: UP,
     * or DOWN with the problem. Waits for the first probe of the connector.
     */
    private static String probe(ExportHubService service, String name) {
        String label = "connector '" + name + "' (";
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(service.baseUrl() + "/observe/health"))
                            .header("moi-key", ExportHubService.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            var details = ApiClient.json(health.body()).findPath("details");
            for (var it = details.fields(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey().startsWith(label)) {
                    return entry.getValue().asText();
                }
            }
            return null;
        }, java.util.Objects::nonNull);
    }
}
