package io.exporthub.inprocess;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.Json;
import io.exporthub.auth.Principal;
import io.exporthub.task.TaskStore;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * The service's API for routes in the same CamelContext ({@code direct:exporthub-*}): the HTTP
 * API's operations and checks, without HTTP, envelopes or keys. Failures are thrown to the caller.
 */
public class InProcessApi {

    /** Header naming the files a rerun re-sends (a collection of file ids); absent: every failed file. */
    public static final String RERUN_FILES = "ExportHubFiles";

    private final TaskStore tasks;

    public InProcessApi(TaskStore tasks) {
        this.tasks = tasks;
    }

    /** The create request as JSON text: callers may send the text or a Map of the same shape. */
    public String requestJson(@Body Object body) {
        return body instanceof String text ? text : Json.write(body);
    }

    public Map<String, Object> info(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String taskId) {
        return tasks.info(principal.workspaceId(), taskId);
    }

    public int rerun(@ExchangeProperty(ExchangeProperties.PRINCIPAL) Principal principal, @Body String taskId,
                     @Header(RERUN_FILES) Collection<?> files) {
        List<String> ids = new ArrayList<>();
        if (files != null) {
            files.forEach(f -> ids.add(String.valueOf(f)));
        }
        return tasks.rerun(principal.workspaceId(), taskId, ids);
    }
}
