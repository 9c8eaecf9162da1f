package io.exporthub.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.api.Json;
import io.exporthub.pipeline.PermanentDeliveryException;

/** The blocks of a processing result, and {@code merge_title_to_text}. */
public final class Blocks {

    private Blocks() {
    }

    /** Reads a processing result; one that is not JSON or has no {@code blocks} array fails the file for good. */
    public static ObjectNode read(Path source) {
        JsonNode result;
        try (InputStream in = Files.newInputStream(source)) {
            result = Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new PermanentDeliveryException("processing result is not valid JSON: " + e.getMessage(), e);
        }
        if (!(result instanceof ObjectNode object) || !(object.get("blocks") instanceof ArrayNode)) {
            throw new PermanentDeliveryException("processing result has no blocks array");
        }
        return object;
    }

    /** The {@code blocks} array of a result {@link #read(Path)} returned. */
    public static ArrayNode of(ObjectNode result) {
        return (ArrayNode) result.get("blocks");
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
