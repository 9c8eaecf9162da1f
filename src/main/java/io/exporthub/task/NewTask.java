package io.exporthub.task;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** A validated create request, ready to be stored. */
public record NewTask(String name, String creator, long connectorId, String connectorName, int type,
                      JsonNode config, boolean mergeTitles, List<Target> targets, List<NewFile> files) {

    public record NewFile(String fileId, List<String> fullPath, boolean raw, String fileName, int fileType) {
    }
}
