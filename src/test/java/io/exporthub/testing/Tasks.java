package io.exporthub.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** Builds create requests and waits on tasks through the API. */
public final class Tasks {

    private Tasks() {
    }

    public static Map<String, Object> file(String fileId, String relative, boolean raw) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("file_id", fileId);
        file.put("full_path", List.of(relative.split("/")));
        file.put("is_raw", raw);
        return file;
    }

    public static Map<String, Object> create(String name, long connectorId, String connectorName, int type,
                                             Map<String, Object> config, List<Map<String, Object>> files) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task_name", name);
        body.put("creator", "admin");
        body.put("connector_id", connectorId);
        body.put("connector_name", connectorName);
        body.put("type", type);
        body.put("config", config);
        body.put("files", files);
        return body;
    }

    public static long createConnector(ApiClient api, String name, String kind, Map<String, Object> config) {
        ApiClient.Response response = api.post("/connector/create", Map.of("name", name, "kind", kind, "config", config));
        if (response.status() != 200) {
            throw new AssertionError("connector create failed: " + response);
        }
        return response.data().path("id").asLong();
    }

    public static String createTask(ApiClient api, Map<String, Object> body) {
        ApiClient.Response response = api.post("/export/task/create", body);
        if (response.status() != 200) {
            throw new AssertionError("task create failed: " + response);
        }
        return response.data().path("id").asText();
    }

    public static JsonNode state(ApiClient api, String taskId) {
        return api.get("/export/task/" + taskId + "/state").data();
    }

    public static JsonNode info(ApiClient api, String taskId) {
        return api.post("/export/task/info", Map.of("id", taskId)).data();
    }

    /** Polls until the task is no longer running; answers its info. */
    public static JsonNode awaitFinished(ApiClient api, String taskId, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> info(api, taskId).path("status").asInt() != 1);
        return info(api, taskId);
    }

    /** Every file of the task, all pages. */
    public static List<JsonNode> files(ApiClient api, String taskId) {
        List<JsonNode> all = new ArrayList<>();
        for (int offset = 0; ; offset += 100) {
            JsonNode page = api.post("/export/task/files", Map.of("task_id", taskId, "offset", offset, "limit", 100,
                    "order_by", "created_at", "order_direction", "asc")).data().path("files");
            page.forEach(all::add);
            if (page.size() < 100) {
                return all;
            }
        }
    }
}
