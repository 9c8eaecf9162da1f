package com.example.esb;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;

/**
 * The export task for a file that arrived in the inbox and was copied into export-hub's source
 * volume: that file, to the connector named in the settings (camel.beans.inboxTasks.*).
 */
public class InboxTasks {

    private String connector;
    private String volumeFolder;

    /** A create request as export-hub's POST /export/task/create takes it, here as a Map. */
    public Map<String, Object> request(@Header(Exchange.FILE_NAME) String fileName) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("file_id", fileName);
        file.put("full_path", List.of(volumeFolder, fileName));
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

    public void setConnector(String connector) {
        this.connector = connector;
    }

    public void setVolumeFolder(String volumeFolder) {
        this.volumeFolder = volumeFolder;
    }
}
