package io.exporthub.testing.dify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake Dify itself: it answers as Dify does, and its spec check catches requests that stray
 * from Dify's OpenAPI document, so that "no violations" in the target tests means something.
 */
class FakeDifyTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String KEY = "dataset-test-key";

    FakeDify dify;
    HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        dify = new FakeDify(KEY).start();
    }

    @AfterEach
    void stop() {
        dify.close();
    }

    record Reply(int status, JsonNode body) {
    }

    Reply send(String method, String path, String contentType, byte[] body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dify.apiUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body().isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body()));
    }

    Reply json(String path, String json) throws Exception {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8), KEY);
    }

    @Test
    void conformingRequestsPassAndDifysRulesHold() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("manuals");
        String create = "/datasets/" + dataset.id + "/document/create-by-text";
        Reply refused = json(create, "{\"name\":\"a.pdf\",\"text\":\"x\",\"process_rule\":{\"mode\":\"automatic\"}}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("message").asText()).isEqualTo("indexing_technique is required.");

        Reply first = json(create, "{\"name\":\"a_b.pdf\",\"text\":\"one\",\"indexing_technique\":\"high_quality\",\"doc_form\":\"text_model\","
                + "\"process_rule\":{\"mode\":\"automatic\"}}");
        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(first.body().path("document").path("indexing_status").asText()).isEqualTo("waiting");
        Reply again = json(create, "{\"name\":\"a_b.pdf\",\"text\":\"two\",\"indexing_technique\":\"high_quality\",\"process_rule\":{\"mode\":\"automatic\"}}");
        // Dify's own dedup: the same name updates the document
        assertThat(again.body().path("document").path("id").asText()).isEqualTo(first.body().path("document").path("id").asText());
        json(create, "{\"name\":\"aXb.pdf\",\"text\":\"three\",\"indexing_technique\":\"high_quality\",\"process_rule\":{\"mode\":\"automatic\"}}");
        assertThat(dataset.documents()).extracting(FakeDify.Document::name).containsExactlyInAnyOrder("a_b.pdf", "aXb.pdf");
        assertThat(dataset.documents()).filteredOn(d -> d.name().equals("a_b.pdf")).singleElement()
                .extracting(FakeDify.Document::text).isEqualTo("two");

        // LIKE: '_' matches any character; has_more compares with the limit asked for
        Reply listed = send("GET", "/datasets/" + dataset.id + "/documents?keyword=a_b&page=1&limit=1", null, null, KEY);
        assertThat(listed.body().path("total").asInt()).isEqualTo(2);
        assertThat(listed.body().path("has_more").asBoolean()).isTrue();
        Reply capped = send("GET", "/datasets/" + dataset.id + "/documents?keyword=a_b&page=1&limit=500", null, null, KEY);
        assertThat(capped.body().path("data")).hasSize(2);
        assertThat(capped.body().path("has_more").asBoolean()).isFalse();

        assertThat(send("GET", "/datasets/" + dataset.id, null, null, KEY).body().path("doc_form").asText()).isEqualTo("text_model");
        assertThat(dify.violations()).isEmpty();
        assertThat(dify.count("createDocumentFromText")).isEqualTo(4);
    }

    @Test
    void answersLeaveNoSoonerThanTheLatency() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("manuals");
        dify.latency(Duration.ofMillis(300));
        long started = System.nanoTime();
        Reply answer = send("GET", "/datasets/" + dataset.id, null, null, KEY);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(dify.violations()).isEmpty();
    }

    @Test
    void strayRequestsAreViolations() throws Exception {
        FakeDify.Dataset dataset = dify.createDataset("manuals");
        json("/datasets/" + dataset.id + "/document/create-by-text",
                "{\"name\":\"a.pdf\",\"text\":\"x\",\"indexing_technique\":\"best\",\"colour\":\"red\",\"process_rule\":{\"mode\":\"automatic\"}}");
        assertThat(String.join("\n", dify.violations())).contains("\"best\"").contains("colour");
        int seen = dify.violations().size();

        Reply unauthorized = send("GET", "/datasets/" + dataset.id, null, null, null);
        assertThat(unauthorized.status()).isEqualTo(401);
        assertThat(dify.violations()).hasSize(seen + 1);
        assertThat(dify.violations().get(seen)).contains("security");
        seen = dify.violations().size();

        String boundary = "b0undary";
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"\r\nContent-Type: application/json\r\n\r\n"
                + "{\"indexing_technique\":\"high_quality\",\"process_rule\":{\"mode\":\"sometimes\"},\"name\":\"x\"}\r\n--" + boundary + "--\r\n";
        Reply noFile = send("POST", "/datasets/" + dataset.id + "/document/create-by-file", "multipart/form-data; boundary=" + boundary,
                form.getBytes(StandardCharsets.UTF_8), KEY);
        assertThat(noFile.status()).isEqualTo(400);
        assertThat(noFile.body().path("code").asText()).isEqualTo("no_file_uploaded");
        assertThat(String.join("\n", dify.violations().subList(seen, dify.violations().size())))
                .contains("file").contains("sometimes").contains("name");
    }
}
