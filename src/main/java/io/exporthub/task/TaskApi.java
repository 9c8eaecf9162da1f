package io.exporthub.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.auth.Principal;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/** The export-task endpoints of the MOI API, scoped to the caller's workspace. */
public class TaskApi {

    private final TaskStore tasks;

    public TaskApi(TaskStore tasks) {
        this.tasks = tasks;
    }

    public String create(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body NewTask task) {
        return tasks.create(principal.workspaceId(), task);
    }

    public Map<String, Object> list(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        return tasks.list(principal.workspaceId(), TaskQueries.list(optionalBody(body)));
    }

    public Map<String, Object> info(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        return tasks.info(principal.workspaceId(), taskId(body));
    }

    public Map<String, Object> files(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        return tasks.files(principal.workspaceId(), TaskQueries.files(RequestField.root(Json.parse(body, "request body"), "request body")));
    }

    public Map<String, Object> state(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Header("task_id") String taskId) {
        return tasks.state(principal.workspaceId(), taskId);
    }

    /** Answers the number of files put back to pending (0: nothing to rerun). */
    public int rerun(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Header("task_id") String taskId, @Body String body) {
        List<String> fileIds = new ArrayList<>();
        for (RequestField file : optionalBody(body).get("files").optionalArray(100_000)) {
            String id = file.optionalId(256);
            if (id == null) {
                throw file.invalid("must be a file id");
            }
            fileIds.add(id);
        }
        return tasks.rerun(principal.workspaceId(), taskId, fileIds);
    }

    public void delete(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String body) {
        tasks.delete(principal.workspaceId(), taskId(body));
    }

    private static String taskId(String body) {
        RequestField id = RequestField.root(Json.parse(body, "request body"), "request body").get("id");
        String value = id.optionalId(64);
        if (value == null) {
            throw id.invalid("is required");
        }
        return value;
    }

    /** Some endpoints accept no body at all (rerun, list): an empty body means no filters. */
    private static RequestField optionalBody(String body) {
        return body == null || body.isBlank()
                ? RequestField.root(Json.MAPPER.createObjectNode(), "request body")
                : RequestField.root(Json.parse(body, "request body"), "request body");
    }
}
