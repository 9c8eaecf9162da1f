package io.exporthub.minapp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.exporthub.api.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads an import file as a stream, one record at a time, converting each by the table's schema.
 * A record that does not fit fails alone: the reader hands out either its values or its reason.
 */
public final class ImportReader {

    /**
     * One record of the file: its first line, and its values or why it cannot be imported. The values
     * are those of {@link TableDef#allFields()}, in that order; a field the record leaves out is null.
     * A JSON field is a JsonNode, or from a CSV cell possibly the text to store (see {@link Values#toSql}).
     */
    public record Record(long line, Object[] values, String error) {
    }

    /** Reads one element of an array: the elements after it are not trailing tokens. */
    private static final ObjectReader ELEMENT = Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final TableDef table;
    private final ZoneId zone;
    private final List<Field> fields;
    private final Map<String, Integer> indexes = new HashMap<>();

    public ImportReader(TableDef table, ZoneId zone) {
        this.table = table;
        this.zone = zone;
        this.fields = table.allFields();
        for (int i = 0; i < fields.size(); i++) {
            indexes.put(fields.get(i).name(), i);
        }
    }

    /** UTF-8, strict (malformed bytes are an error, not replacement characters), without a leading BOM. */
    public static Reader utf8(InputStream in) throws IOException {
        PushbackInputStream pushback = new PushbackInputStream(in, 3);
        byte[] head = pushback.readNBytes(3);
        boolean bom = head.length == 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF;
        if (!bom && head.length > 0) {
            pushback.unread(head);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new InputStreamReader(pushback, decoder), 65536);
    }

    /** Reads the header row of a CSV file; an unknown column is an error naming it. */
    public List<Field> csvHeader(Reader reader) throws IOException {
        CSVParser parser = CSVFormat.RFC4180.parse(reader);
        Iterator<CSVRecord> records = parser.iterator();
        if (!records.hasNext()) {
            throw new IllegalArgumentException("the file is empty");
        }
        return columns(records.next());
    }

    /** The fields a header row names; an unknown column, or one named twice, is an error naming it. */
    private List<Field> columns(CSVRecord header) {
        List<Field> columns = new ArrayList<>();
        for (String name : header) {
            Field field = table.field(name.trim()).orElseThrow(() -> new IllegalArgumentException("unknown column '" + name + "'"));
            if (columns.contains(field)) {
                // two cells for one field: one of them would be dropped without a word
                throw new IllegalArgumentException("the column '" + name.trim() + "' is there twice");
            }
            columns.add(field);
        }
        return columns;
    }

    public void csv(Path file, Consumer<Record> sink) throws IOException {
        try (Reader reader = utf8(Files.newInputStream(file));
             CSVParser parser = CSVFormat.RFC4180.parse(reader)) {
            Iterator<CSVRecord> records = parser.iterator();
            if (!records.hasNext()) {
                return;
            }
            List<Field> columns = columns(records.next());
            int width = columns.size();
            Field[] columnFields = columns.toArray(new Field[0]);
            int[] columnIndexes = new int[width];
            for (int i = 0; i < width; i++) {
                columnIndexes[i] = indexes.get(columnFields[i].name());
            }
            long consumed = parser.getCurrentLineNumber();
            while (records.hasNext()) {
                CSVRecord record = records.next();
                long line = consumed + 1;
                consumed = parser.getCurrentLineNumber();
                if (record.size() == 1 && record.get(0).isEmpty()) {
                    continue; // a blank line
                }
                if (record.size() != columns.size()) {
                    sink.accept(new Record(line, null, "has " + record.size() + " cells, the header has " + columns.size()));
                    continue;
                }
                Object[] values = new Object[fields.size()];
                try {
                    for (int i = 0; i < width; i++) {
                        values[columnIndexes[i]] = builtInOrValue(columnFields[i], record.get(i));
                    }
                    sink.accept(new Record(line, values, null));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    sink.accept(new Record(line, null, e.getMessage()));
                }
            }
        }
    }

    /**
     * A cell's value: typed as {@link Values#fromText} reads it, except that an array already in the
     * form it is stored in (see {@link Values#plainArrayOf}) stays that text.
     */
    private Object builtInOrValue(Field field, String cell) {
        if (field.type() == FieldType.ARRAY && cell != null && Values.plainArrayOf(cell, field.itemsType())) {
            return cell;
        }
        if (isTimestamp(field) && cell != null && !cell.isEmpty() && !Values.isInteger(cell.trim())) {
            return Values.parseDate(field, cell.trim(), zone) / 1000;
        }
        return Values.fromText(field, cell, zone);
    }

    private static boolean isTimestamp(Field field) {
        return field.builtIn() && (field.name().equals("created_at") || field.name().equals("updated_at"));
    }

    /** JSON Lines, or one array of objects. */
    public void json(Path file, Consumer<Record> sink) throws IOException {
        try (Reader probe = utf8(Files.newInputStream(file))) {
            int c;
            do {
                c = probe.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
            if (c == '[') {
                jsonArray(file, sink);
                return;
            }
        }
        try (BufferedReader reader = new BufferedReader(utf8(Files.newInputStream(file)))) {
            String text;
            long line = 0;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    sink.accept(object(line, Json.MAPPER.readTree(text)));
                } catch (JsonProcessingException e) {
                    sink.accept(new Record(line, null, "malformed JSON: " + e.getOriginalMessage()));
                }
            }
        }
    }

    private void jsonArray(Path file, Consumer<Record> sink) throws IOException {
        try (Reader reader = utf8(Files.newInputStream(file));
             JsonParser parser = Json.MAPPER.getFactory().createParser(reader)) {
            parser.nextToken(); // [
            JsonToken token;
            while ((token = parser.nextToken()) != null && token != JsonToken.END_ARRAY) {
                long line = parser.currentTokenLocation().getLineNr();
                JsonNode node = ELEMENT.readTree(parser);
                sink.accept(object(line, node));
            }
        }
    }

    private Record object(long line, JsonNode node) {
        if (node == null || !node.isObject()) {
            return new Record(line, null, "expected a JSON object");
        }
        Object[] values = new Object[fields.size()];
        Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
        try {
            while (entries.hasNext()) {
                Map.Entry<String, JsonNode> e = entries.next();
                Integer index = indexes.get(e.getKey());
                if (index == null) {
                    throw new IllegalArgumentException("unknown field '" + e.getKey() + "'");
                }
                Field field = fields.get(index);
                JsonNode value = e.getValue();
                if (isTimestamp(field) && value.isTextual()) {
                    values[index] = Values.parseDate(field, value.textValue(), zone) / 1000;
                } else {
                    values[index] = Values.fromJson(field, value, zone);
                }
            }
            return new Record(line, values, null);
        } catch (IllegalArgumentException | ArithmeticException e) {
            return new Record(line, null, e.getMessage());
        }
    }
}
