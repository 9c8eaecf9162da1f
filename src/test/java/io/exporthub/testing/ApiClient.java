package io.exporthub.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Calls the service's HTTP API as a client would: JSON in, status and JSON out. */
public final class ApiClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String key;

    public ApiClient(String baseUrl, String key) {
        this.baseUrl = baseUrl;
        this.key = key;
    }

    public ApiClient withKey(String otherKey) {
        return new ApiClient(baseUrl, otherKey);
    }

    public String baseUrl() {
        return baseUrl;
    }

    public String key() {
        return key;
    }

    public record Response(int status, JsonNode body) {
        public JsonNode data() {
            return body.path("data");
        }

        public String msg() {
            return body.path("msg").asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** POST to the MOI API ({@code /byoa/api/v1} + path) with a JSON body (any text: malformed is allowed). */
    public Response post(String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/byoa/api/v1" + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return send(request);
    }

    public Response post(String path, Object body) {
        try {
            return post(path, MAPPER.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/byoa/api/v1" + path)).timeout(Duration.ofSeconds(60)).GET());
    }

    /** Sends a request as built by the caller, with this client's key. */
    public Response send(HttpRequest.Builder request) {
        if (key != null) {
            request.header("moi-key", key);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body() == null || response.body().isBlank()
                    ? MAPPER.createObjectNode() : parse(response.body());
            return new Response(response.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            return MAPPER.createObjectNode().put("raw", text);
        }
    }

    public static JsonNode json(String text) {
        return parse(text);
    }
}
