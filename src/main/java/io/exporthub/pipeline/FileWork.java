package io.exporthub.pipeline;

import java.util.List;

/** One pending file of a task, as the split hands it to the dispatcher. */
public record FileWork(long rowId, String taskId, String fileId, List<String> fullPath, boolean raw, String fileName) {

    public String relativePath() {
        return String.join("/", fullPath);
    }
}
