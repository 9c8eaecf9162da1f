package io.exporthub.sink.matrixone;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.api.Json;
import io.exporthub.pipeline.FileWork;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.source.Blocks;

/**
 * The rows of one processing result: one per block (after {@code merge_title_to_text}), each value
 * in the order of the target's columns, plus the dimension of the first embedding.
 */
public record BlockRows(List<Object[]> rows, Integer embeddingDimension) {

    /** created_at and updated_at inside meta: ISO-8601 UTC with milliseconds, as the columns hold them. */
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
    /**
     * created_at and updated_at are bound as text that the server parses: Connector/J drops the
     * milliseconds of a bound date-time on MariaDB (whose version string starts with 5.5.5).
     */
    private static final DateTimeFormatter SQL_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** Reads the processing result and makes its rows; {@code now} stamps created_at and updated_at. */
    public static BlockRows read(Path source, FileWork file, boolean mergeTitles, TableTarget target, LocalDateTime now) {
        ArrayNode blocks = Blocks.of(Blocks.read(source));
        int count = blocks.size();
        // the nearest title above each block, from the blocks as the processing result has them
        String[] titles = new String[count];
        String lastTitle = null;
        for (int i = 0; i < count; i++) {
            if (!blocks.get(i).isObject()) {
                throw new PermanentDeliveryException("processing result: blocks[" + i + "] is not an object");
            }
            titles[i] = lastTitle;
            if (isTitle(blocks.get(i))) {
                lastTitle = text(blocks.get(i).get("content"));
            }
        }
        List<Integer> kept = new ArrayList<>(count);
        ArrayNode written = blocks;
        if (mergeTitles) {
            written = Blocks.mergeTitles(blocks);
            // mergeTitles keeps every block that is not a title, and a title only when it is the last block
            for (int i = 0; i < count; i++) {
                if (!isTitle(blocks.get(i)) || i == count - 1) {
                    kept.add(i);
                }
            }
            if (kept.size() != written.size()) {
                throw new IllegalStateException("merge_title_to_text kept " + written.size() + " blocks, expected " + kept.size());
            }
        } else {
            for (int i = 0; i < count; i++) {
                kept.add(i);
            }
        }

        String stamp = STAMP.format(now);
        String sqlStamp = SQL_STAMP.format(now);
        List<Object[]> rows = new ArrayList<>(written.size());
        SourceColumn[] sources = new SourceColumn[target.columns().size()];
        for (int c = 0; c < sources.length; c++) {
            sources[c] = target.columns().get(c).sourceColumn();
        }
        Integer dimension = null;
        for (int k = 0; k < written.size(); k++) {
            int original = kept.get(k);
            JsonNode block = written.get(k);
            Values values = new Values(file, block, original, titles[original], sqlStamp, stamp);
            String embedding = values.embedding();
            if (dimension == null && embedding != null) {
                dimension = block.get("embedding").size();
            }
            Object[] row = new Object[sources.length];
            for (int c = 0; c < row.length; c++) {
                row[c] = sources[c] == SourceColumn.META ? values.meta(target.combine()) : values.sql(sources[c]);
            }
            rows.add(row);
        }
        return new BlockRows(rows, dimension);
    }

    private static boolean isTitle(JsonNode block) {
        return "title".equals(block.path("type").asText());
    }

    /** A scalar as text (numbers too), anything else as compact JSON, absent or null as null. */
    static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return node.isValueNode() ? node.asText() : Json.write(node);
    }

    /** The source columns of one block. */
    private record Values(FileWork file, JsonNode block, int position, String title, String sqlStamp, String stamp) {

        Object sql(SourceColumn column) {
            return switch (column) {
                case FILE_ID -> file.fileId();
                case FILE_NAME -> file.fileName();
                case BLOCK_ID -> text(block.get("id"));
                case BLOCK_NO -> blockNo();
                case BLOCK_TYPE -> text(block.get("type"));
                case BLOCK_LEVEL -> text(block.get("level"));
                case PAGE_NO -> pageNo();
                case CONTENT -> text(block.get("content"));
                case TITLE -> title;
                case EMBEDDING -> embedding();
                case IMAGE_DATA -> imageData();
                case CREATED_AT, UPDATED_AT -> sqlStamp;
                case META -> throw new IllegalArgumentException("meta is made from combine_column");
            };
        }

        /** {@code {"<source column>": value}} of the listed columns, as JSON text. */
        String meta(List<String> combine) {
            ObjectNode meta = Json.MAPPER.createObjectNode();
            for (String id : combine) {
                SourceColumn column = SourceColumn.of(id).orElseThrow();
                switch (column) {
                    case EMBEDDING -> meta.set(id, block.has("embedding") && !block.get("embedding").isNull()
                            ? block.get("embedding") : null);
                    case CREATED_AT, UPDATED_AT -> meta.put(id, stamp);
                    default -> {
                        Object value = sql(column);
                        if (value instanceof Integer number) {
                            meta.put(id, number);
                        } else {
                            meta.put(id, (String) value);
                        }
                    }
                }
            }
            return Json.write(meta);
        }

        /** The block's {@code index}, else its 1-based position in the processing result. */
        Integer blockNo() {
            JsonNode index = block.get("index");
            return index != null && index.canConvertToInt() && index.isIntegralNumber() ? index.intValue() : position + 1;
        }

        Integer pageNo() {
            JsonNode page = block.get("page_number");
            return page != null && page.isIntegralNumber() && page.canConvertToInt() ? page.intValue() : null;
        }

        /** {@code [0.1,0.2]}: a MatrixOne vector literal and JSON text alike. */
        String embedding() {
            JsonNode embedding = block.get("embedding");
            if (embedding == null || embedding.isNull()) {
                return null;
            }
            if (!embedding.isArray() || embedding.isEmpty()) {
                throw new PermanentDeliveryException("block " + blockNo() + ": embedding must be a non-empty array of numbers");
            }
            for (JsonNode value : embedding) {
                if (!value.isNumber()) {
                    throw new PermanentDeliveryException("block " + blockNo() + ": embedding must be a non-empty array of numbers");
                }
            }
            return Json.write(embedding);
        }

        /** Inline image data when the block carries it, else the reference the processing result gives. */
        String imageData() {
            String inline = text(block.get("image_data"));
            return inline != null ? inline : text(block.get("image_url"));
        }
    }

    public static LocalDateTime utcNow() {
        return LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
    }
}
