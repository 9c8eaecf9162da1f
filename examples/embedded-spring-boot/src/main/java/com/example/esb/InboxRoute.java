package com.example.esb;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A file dropped in the inbox becomes an export task: copied into export-hub's source volume, then
 * handed to export-hub's in-process API (no HTTP), which answers the task's id.
 */
@Component
public class InboxRoute extends RouteBuilder {

    private static final String VOLUME_FOLDER = "inbox";

    @Value("${esb.inbox.connector}")
    private String connector;

    @Override
    public void configure() {
        // readLock=changed: a file still being written is left alone until its size stops changing
        from("file:{{esb.inbox.dir}}?readLock=changed&delete=true").routeId("esb-inbox")
                .to("file:{{exporthub.volume.root}}/" + VOLUME_FOLDER)
                .process(exchange -> exchange.getMessage().setBody(request(exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class))))
                .to("direct:exporthub-task-create")
                .log("inbox file ${header.CamelFileName} is export task ${body}");
    }

    /** A create request as export-hub's POST /export/task/create takes it, here as a Map. */
    private Map<String, Object> request(String fileName) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("file_id", fileName);
        file.put("full_path", List.of(VOLUME_FOLDER, fileName));
        file.put("is_raw", true);

        Map<String, Object> task = new LinkedHashMap<>();
        task.put("task_name", "inbox " + fileName);
        task.put("creator", "esb");
        task.put("connector_name", connector);
        // 100: a local-directory target, written under the connector's directory, in path
        task.put("type", 100);
        task.put("config", Map.of("local_config", Map.of("path", "from-inbox")));
        task.put("files", List.of(file));
        return task;
    }
}
