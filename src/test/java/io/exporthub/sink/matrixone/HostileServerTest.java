package io.exporthub.sink.matrixone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.RogueMySqlServer;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connector's database server is untrusted: a server that asks for a file of this host with
 * LOAD DATA LOCAL INFILE never gets it, on the task path or from a health probe, whatever URL the
 * connector was given; URLs that would switch local infile on are refused, and no password is shown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileServerTest {

    @TempDir
    static Path home;

    TestDatabase store;
    ExportHubService service;
    ApiClient api;
    RogueMySqlServer rogue;
    Path secretFile;
    String secret;

    @BeforeAll
    void start() throws Exception {
        secret = "host-secret-" + UUID.randomUUID();
        secretFile = home.resolve("private.txt");
        Files.writeString(secretFile, secret);
        rogue = new RogueMySqlServer(secretFile.toString());
        store = TestDatabase.h2(home);
        Map<String, String> props = ExportHubService.defaults(home, store);
        props.put("exporthub.matrixone.connect-timeout", "2000");
        props.put("exporthub.retry.max-redeliveries", "4");
        // connectors are probed in the background: often, so that health soon shows the rogue one
        props.put("exporthub.health.probe-interval", "300");
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        store.close();
        rogue.close();
    }

    /** The server works as a thief: a client that allows local infile hands the file over. */
    @Test
    void theRogueServerGetsTheFileFromAClientThatAllowsIt() throws Exception {
        try (RogueMySqlServer control = new RogueMySqlServer(secretFile.toString())) {
            try (Connection c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + control.port() + "/?allowLoadLocalInfile=true"
                    + "&useSSL=false", "u", "")) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1");
                }
            } catch (SQLException expected) {
                // the server answers every query with an error after taking the file
            }
            assertThat(control.infileRequests()).isPositive();
            assertThat(control.received()).contains(secret);
        }
    }

    @Test
    void urlsThatWouldTurnLocalInfileOnOrCarryAPasswordAreRefused() {
        int port = rogue.port();
        long before = api.post("/connector/list", "{}").data().path("total").asLong();
        for (String url : List.of(
                "jdbc:mysql://(host=127.0.0.1,port=" + port + ",allowLoadLocalInfile=true)/",
                "jdbc:mysql://address=(host=127.0.0.1)(port=" + port + ")(allowLoadLocalInfile=true)/",
                "jdbc:mysql://127.0.0.1:" + port + "/?allowLoadLocal%49nfile=true",
                "jdbc:mysql://127.0.0.1:" + port + "/?%61utoDeserialize=true",
                "jdbc:mysql://127.0.0.1:" + port + "/?allowLoadLocalInfileInPath=/",
                "jdbc:mysql://127.0.0.1:" + port + ",127.0.0.2:" + port + "/db",
                "jdbc:mysql:loadbalance://127.0.0.1:" + port + "/db",
                "jdbc:mysql://127.0.0.1:" + port + "/db?password=url-secret-value",
                "jdbc:mysql://u:url-secret-value@127.0.0.1:" + port + "/db",
                "jdbc:mysql://127.0.0.1:" + port + "/db?useSSL=maybe",
                "jdbc:mysql://127.0.0.1:" + port + "/db;x?useSSL=true")) {
            Map<String, Object> config = Map.of("url", url, "user", "u", "password", "p", "dialect", "mysql");
            ApiClient.Response response = api.post("/connector/create", Map.of("name", "bypass", "kind", "matrixone", "config", config));
            assertThat(response.status()).as("%s -> %s", url, response).isEqualTo(400);
            assertThat(response.msg()).as(url).startsWith("config.url: ");
            assertThat(response.body().toString()).doesNotContain("url-secret-value");
        }
        assertThat(api.post("/connector/list", "{}").data().path("total").asLong()).isEqualTo(before);
        assertThat(rogue.received()).doesNotContain(secret);

        ApiClient.Response fine = api.post("/connector/create", Map.of("name", "fine-url", "kind", "matrixone", "config",
                Map.of("url", "jdbc:mysql://db.example:3306/app?useSSL=true&connectTimeout=1000", "user", "u", "password", "p")));
        assertThat(fine.status()).as("%s", fine).isEqualTo(200);
        assertThat(api.post("/connector/info", Map.of("id", fine.data().path("id").asLong())).data().path("config").path("url").asText())
                .isEqualTo("jdbc:mysql://db.example:3306/app?connectTimeout=1000&useSSL=true");
    }

    @Test
    void theServerNeverGetsTheFileOnTheTaskPathNorFromAHealthProbe() throws Exception {
        // a user without a password is a legitimate database user
        long connector = Tasks.createConnector(api, "rogue", "matrixone", rogueConfig(""));

        int asked = rogue.infileRequests();
        ApiClient.Response create = api.post("/export/task/create", steal(connector, "rogue", "any/a.pdf"));
        assertThat(create.status()).as("%s", create).isIn(200, 400);
        assertThat(rogue.infileRequests()).as("%s logins %d", create, rogue.logins()).isGreaterThan(asked);
        assertThat(rogue.received()).doesNotContain(secret);

        int askedBefore = rogue.infileRequests();
        await().atMost(Duration.ofSeconds(30)).until(() -> rogue.infileRequests() > askedBefore && health().body().contains("connector 'rogue'"));
        HttpResponse<String> health = health();
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("connector 'rogue'");
        assertThat(rogue.received()).doesNotContain(secret);
    }

    @Test
    void theServerNeverGetsTheFileWhenAFileIsDelivered() throws Exception {
        long connector = Tasks.createConnector(api, "rogue-later", "matrixone", rogueConfig("p"));
        Volumes.parsed(service.volume(), "later/a.pdf", 2);
        // down while the task is created, so that its check passes it on and the delivery meets the server
        rogue.hangUp(true);
        String id;
        try {
            id = Tasks.createTask(api, steal(connector, "rogue-later", "later/a.pdf"));
        } finally {
            rogue.hangUp(false);
        }
        int asked = rogue.infileRequests();
        assertThat(Tasks.awaitFinished(api, id, Duration.ofMinutes(1)).path("status").asInt()).isEqualTo(3);
        assertThat(rogue.infileRequests()).isGreaterThan(asked);
        assertThat(rogue.received()).doesNotContain(secret);
    }

    /** A row stored before URLs were taken apart (here written straight into the store) is never handed to the driver. */
    @Test
    void aStoredBypassUrlIsNeverUsed() throws Exception {
        String url = "jdbc:mysql://(host=127.0.0.1,port=" + rogue.port() + ",allowLoadLocalInfile=true)/?password=old-url-secret";
        try (Connection c = store.connect(); var insert = c.prepareStatement(
                "INSERT INTO connectors (workspace_id, name, kind, config, created_at) VALUES (1, 'legacy', 'matrixone', ?, 0)")) {
            insert.setString(1, "{\"url\": \"" + url + "\", \"user\": \"u\", \"password\": \"p\", \"dialect\": \"mysql\"}");
            insert.executeUpdate();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> health().body().contains("connector 'legacy'"));
        HttpResponse<String> health = health();
        assertThat(health.body()).contains("connector 'legacy'").contains("the connector's url is refused").doesNotContain("old-url-secret");
        assertThat(api.post("/connector/list", "{}").body().toString()).contains("legacy").doesNotContain("old-url-secret");
        assertThat(rogue.received()).doesNotContain(secret);
    }

    /** Health as the workspace's admin sees it: with a key, the connectors and why they are down. */
    private HttpResponse<String> health() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/observe/health"))
                .header("moi-key", ExportHubService.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> rogueConfig(String password) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("host", "127.0.0.1");
        config.put("port", rogue.port());
        config.put("user", "u");
        config.put("password", password);
        config.put("dialect", "mysql");
        return config;
    }

    /** A task writing one processing result to a table through the connector. */
    private static Map<String, Object> steal(long connector, String connectorName, String file) {
        return Tasks.create("steal", connector, connectorName, 3,
                Map.of("mo_config", Map.of("database_name", "db", "table_name", "t", "new_table", true, "duplicated_strategy", 1,
                        "column", Map.of("export_column", List.of(Map.of("source_column", "content", "mapping_column", "content"))))),
                List.of(Tasks.file("a", file, false)));
    }
}
