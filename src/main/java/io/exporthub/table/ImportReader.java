package io.exporthub.table;

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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads an import file as a stream, one record at a time, converting each by the table's schema.
 * A record that does not fit fails alone: the reader hands out either its values or its reason.
 */
public final class ImportReader {

    /** One record of the file: its first line, and its values or why it cannot be imported. */
    public record Record(long line, Map<String, Object> values, String error) {
    }

    private final TableDef table;
    private final ZoneId zone;

    public ImportReader(TableDef table, ZoneId zone) {
        this.table = table;
        this.zone = zone;
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
        List<Field> columns = new ArrayList<>();
        for (String name : records.next()) {
            columns.add(table.field(name.trim()).orElseThrow(() -> new IllegalArgumentException("unknown column '" + name + "'")));
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
            List<Field> columns = new ArrayList<>();
            for (String name : records.next()) {
                columns.add(table.field(name.trim()).orElseThrow(() -> new IllegalArgumentException("unknown column '" + name + "'")));
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
                Map<String, Object> values = new LinkedHashMap<>();
                try {
                    for (int i = 0; i < columns.size(); i++) {
                        Field field = columns.get(i);
                        values.put(field.name(), builtInOrValue(field, record.get(i)));
                    }
                    sink.accept(new Record(line, values, null));
                } catch (IllegalArgumentException | ArithmeticException e) {
                    sink.accept(new Record(line, null, e.getMessage()));
                }
            }
        }
    }

    private Object builtInOrValue(Field field, String cell) {
        if (isTimestamp(field) && cell != null && !cell.isEmpty() && !cell.trim().matches("-?\\d+")) {
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
                JsonNode node = Json.MAPPER.readTree(parser);
                sink.accept(object(line, node));
            }
        }
    }

    private Record object(long line, JsonNode node) {
        if (node == null || !node.isObject()) {
            return new Record(line, null, "expected a JSON object");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        try {
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                Field field = table.field(e.getKey()).orElseThrow(() -> new IllegalArgumentException("unknown field '" + e.getKey() + "'"));
                JsonNode value = e.getValue();
                if (isTimestamp(field) && value.isTextual()) {
                    values.put(field.name(), Values.parseDate(field, value.textValue(), zone) / 1000);
                } else {
                    values.put(field.name(), Values.fromJson(field, value, zone));
                }
            }
            return new Record(line, values, null);
        } catch (IllegalArgumentException | ArithmeticException e) {
            return new Record(line, null, e.getMessage());
        }
    }
}
