package io.exporthub.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.api.Json;

/** The blocks of a processing result, and {@code merge_title_to_text}. */
public final class Blocks {

    private Blocks() {
    }

    /**
     * Merges each title block into the block after it ({@code title\n\ncontent}) so that no title
     * stands alone; a run of titles folds into the first non-title block. A trailing title stays.
     */
    public static ArrayNode mergeTitles(ArrayNode blocks) {
        ArrayNode merged = Json.MAPPER.createArrayNode();
        String pendingTitle = null;
        ObjectNode pendingTitleBlock = null;
        for (JsonNode node : blocks) {
            ObjectNode block = ((ObjectNode) node).deepCopy();
            String content = block.path("content").asText("");
            if (pendingTitle != null) {
                content = pendingTitle + "\n\n" + content;
                block.put("content", content);
                pendingTitle = null;
                pendingTitleBlock = null;
            }
            if ("title".equals(block.path("type").asText())) {
                pendingTitle = content;
                pendingTitleBlock = block;
                continue;
            }
            merged.add(block);
        }
        if (pendingTitleBlock != null) {
            merged.add(pendingTitleBlock);
        }
        return merged;
    }
}
