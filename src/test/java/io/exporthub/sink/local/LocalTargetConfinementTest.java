package io.exporthub.sink.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.CapturedLogs;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local targets stay in their workspace's subtree of the local target root: one workspace cannot
 * name another's directory, a symbolic link inside the root does not lead writes out of it (at create
 * and at delivery), and a directory with control characters is a 400.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalTargetConfinementTest {

    @TempDir
    static Path home;

    TestDatabase db;
    ExportHubService service;
    ApiClient admin;
    ApiClient team;
    Path outside;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.h2(home);
        service = ExportHubService.start(home, ExportHubService.defaults(home, db));
        admin = service.api();
        ApiClient.Response minted = admin.post("/key/create", Map.of("workspace", "team-local", "user_name", "tess", "email", "t@example.com"));
        assertThat(minted.status()).as("%s", minted).isEqualTo(200);
        team = admin.withKey(minted.data().path("key").asText());
        outside = Files.createDirectories(home.resolve("outside"));
        Volumes.raw(service.volume(), "in/a.bin", 1000, 1);
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        db.close();
    }

    private String deliver(ApiClient api, long connector, String name, String path) {
        String id = Tasks.createTask(api, Tasks.create(name, connector, name, 100, Map.of("local_config", Map.of("path", path)),
                List.of(Tasks.file("a", "in/a.bin", true))));
        Tasks.awaitFinished(api, id, Duration.ofSeconds(30));
        return id;
    }

    @Test
    void workspacesWriteInSubtreesOfTheirOwnAndCannotNameEachOthers() throws Exception {
        long mine = Tasks.createConnector(admin, "shared-admin", "local", Map.of("directory", "shared"));
        long theirs = Tasks.createConnector(team, "shared-team", "local", Map.of("directory", "shared"));
        Files.createDirectories(service.localTargetRoot().resolve("1/shared/p/in"));
        Path precious = Files.writeString(service.localTargetRoot().resolve("1/shared/p/in/a.bin"), "admin's file");

        String id = deliver(team, theirs, "shared-team", "p");
        assertThat(Tasks.info(team, id).path("status").asInt()).isEqualTo(2);
        assertThat(Files.readString(precious)).isEqualTo("admin's file");
        // workspace 1 is the default one, team-local the second made
        assertThat(service.localTargetRoot().resolve("2/shared/p/in/a.bin")).exists();
        assertThat(mine).isNotEqualTo(theirs);

        for (String escape : List.of("../1/shared", "../../outside", "..", "/", outside.toString(), "a/../../1")) {
            ApiClient.Response refused = team.post("/connector/create", Map.of("name", "escape", "kind", "local",
                    "config", Map.of("directory", escape)));
            assertThat(refused.status()).as("%s -> %s", escape, refused).isEqualTo(400);
            assertThat(refused.msg()).as(escape).startsWith("config.directory: ");
        }
        assertThat(team.post("/connector/info", Map.of("id", theirs)).data().path("config").path("directory").asText()).isEqualTo("shared");
    }

    @Test
    void aSymbolicLinkDoesNotLeadOutOfTheRootAtCreateNorAtDelivery() throws Exception {
        Path workspace = Files.createDirectories(service.localTargetRoot().resolve("1"));
        Files.createSymbolicLink(workspace.resolve("link-out"), outside);
        ApiClient.Response refused = admin.post("/connector/create", Map.of("name", "via-link", "kind", "local",
                "config", Map.of("directory", "link-out/deeper")));
        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        assertThat(refused.msg()).startsWith("config.directory: leads outside");

        // a link made after the connector was created, under its directory
        long connector = Tasks.createConnector(admin, "later", "local", Map.of("directory", "later"));
        Files.createDirectories(workspace.resolve("later"));
        Files.createSymbolicLink(workspace.resolve("later/sub"), outside);
        String id = deliver(admin, connector, "later", "sub");
        JsonNode file = Tasks.files(admin, id).get(0);
        assertThat(file.path("status").asInt()).as("%s", file).isNotEqualTo(2);
        assertThat(file.path("details").asText()).contains("leads outside");
        try (var written = Files.walk(outside)) {
            assertThat(written.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    @Test
    void controlCharactersInADirectoryAreA400AndNeverLogged() {
        try (CapturedLogs logs = CapturedLogs.start()) {
            for (String bad : List.of("a\u0000b", "a\nb", "tab\there")) {
                ApiClient.Response refused = admin.post("/connector/create", Map.of("name", "ctl", "kind", "local",
                        "config", Map.of("directory", bad)));
                assertThat(refused.status()).as("%s", refused).isEqualTo(400);
                assertThat(refused.msg()).isEqualTo("config.directory: must not contain control characters");
            }
            assertThat(String.join("\n", logs.lines())).doesNotContain("\u0000").doesNotContain("a\nb");
        }
    }
}
