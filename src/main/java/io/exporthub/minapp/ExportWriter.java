package io.exporthub.minapp;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.exporthub.api.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.util.WorkbookUtil;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/**
 * Writes streamed rows to a file, one row at a time: CSV (RFC 4180, UTF-8, header row), JSON Lines,
 * or XLSX through POI's SXSSF, which keeps a window of rows in memory and flushes the rest to disk.
 * A row is the values of the table's fields ({@link TableDef#allFields()}), in that order, as a
 * {@link TableStore.Scan} reads them (JSON fields as their stored text).
 */
public final class ExportWriter {

    /** Rows SXSSF keeps in memory before flushing them to its temporary file. */
    private static final int XLSX_WINDOW = 200;
    /** Characters of CSV text gathered before they go to the file. */
    private static final int CSV_CHUNK = 1 << 16;
    private static final CSVFormat CSV = CSVFormat.RFC4180;
    private static final String DELIMITER = CSV.getDelimiterString();
    /** Values one at a time into a generator that the writer flushes when it is done, not after each value. */
    private static final ObjectWriter JSON_VALUES = Json.MAPPER.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private final ZoneId zone;
    private final boolean neutraliseFormulas;

    public ExportWriter(ZoneId zone, boolean neutraliseFormulas) {
        this.zone = zone;
        this.neutraliseFormulas = neutraliseFormulas;
    }

    /** Writes every row to {@code file}; answers how many. {@code fields} are the fields of a row, in order. */
    public long write(ExportRequest request, String sheetName, List<Field> fields, Iterator<Object[]> rows, Path file) throws IOException {
        Columns columns = new Columns(request, fields);
        return switch (request.fileType()) {
            case "csv" -> csv(request, columns, rows, file);
            case "json" -> jsonLines(columns, rows, file);
            default -> xlsx(request, columns, sheetName, rows, file);
        };
    }

    /** The exported columns: their fields, where each is in a row, and whether it is converted from unix seconds. */
    private static final class Columns {
        final Field[] fields;
        final int[] index;
        final boolean[] timestamp;

        Columns(ExportRequest request, List<Field> rowFields) {
            List<Field> columns = request.columns();
            fields = columns.toArray(new Field[0]);
            index = new int[fields.length];
            timestamp = new boolean[fields.length];
            for (int i = 0; i < fields.length; i++) {
                String name = fields[i].name();
                index[i] = indexOf(rowFields, name);
                timestamp[i] = request.timestampKeys().contains(name);
            }
        }

        private static int indexOf(List<Field> fields, String name) {
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).name().equals(name)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no field " + name);
        }
    }

    private Object value(Columns columns, int column, Object[] row) {
        return Values.output(columns.fields[column], row[columns.index[column]], zone, columns.timestamp[column]);
    }

    private long csv(ExportRequest request, Columns columns, Iterator<Object[]> rows, Path file) throws IOException {
        long count = 0;
        // the rows are formatted into a buffer that goes to the file a chunk at a time
        StringBuilder text = new StringBuilder(CSV_CHUNK + 4096);
        char[] chunk = new char[CSV_CHUNK + 4096];
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            CSV.printRecord(text, request.headerRow().stream().map(this::neutralised).toArray());
            int width = columns.fields.length;
            while (rows.hasNext()) {
                Object[] row = rows.next();
                for (int i = 0; i < width; i++) {
                    Object value = value(columns, i, row);
                    // a number or boolean never needs quotes (it starts with a digit, '-' or a letter and holds
                    // no delimiter, quote or line end): appended as it is, as Commons CSV would print it
                    if (value instanceof Long || value instanceof Double || value instanceof Boolean) {
                        if (i > 0) {
                            text.append(DELIMITER);
                        }
                        if (value instanceof Long l) {
                            text.append(l.longValue());
                        } else if (value instanceof Double d) {
                            text.append(d.doubleValue());
                        } else {
                            text.append(((Boolean) value).booleanValue());
                        }
                    } else {
                        CSV.print(cell(value, columns.fields[i]), text, i == 0);
                    }
                }
                CSV.println(text);
                count++;
                if (text.length() >= CSV_CHUNK) {
                    chunk = drain(text, chunk, out);
                }
            }
            drain(text, chunk, out);
        }
        return count;
    }

    private static char[] drain(StringBuilder text, char[] chunk, Writer out) throws IOException {
        int length = text.length();
        char[] buffer = chunk.length >= length ? chunk : new char[length];
        text.getChars(0, length, buffer, 0);
        out.write(buffer, 0, length);
        text.setLength(0);
        return buffer;
    }

    private String cell(Object value, Field field) {
        if (value == null) {
            return "";
        }
        if (field.type().json()) {
            return neutralised(Values.canonicalJson((String) value));
        }
        return neutralised(String.valueOf(value));
    }

    /**
     * Any text of a CSV file (a cell of whatever type, a header name) that a spreadsheet would run as a
     * formula, made text by a leading apostrophe (OWASP CSV injection advice); numbers and booleans are
     * written apart and never reach here. XLSX needs none of it: its text cells are never formulas.
     */
    private String neutralised(String text) {
        return neutraliseFormulas && formulaLike(text) ? "'" + text : text;
    }

    /** Starts as a formula does: = + - @, a tab or a carriage return, or their full-width forms. */
    static boolean formulaLike(String text) {
        return !text.isEmpty() && "=+-@\t\r\uFF1D\uFF0B\uFF0D\uFF20".indexOf(text.charAt(0)) >= 0;
    }

    private long jsonLines(Columns columns, Iterator<Object[]> rows, Path file) throws IOException {
        long count = 0;
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.setRootValueSeparator(null);
            int width = columns.fields.length;
            while (rows.hasNext()) {
                Object[] row = rows.next();
                json.writeStartObject();
                for (int i = 0; i < width; i++) {
                    json.writeFieldName(columns.fields[i].name());
                    Object value = value(columns, i, row);
                    JSON_VALUES.writeValue(json, value != null && columns.fields[i].type().json() ? Json.read((String) value) : value);
                }
                json.writeEndObject();
                json.writeRaw('\n');
                count++;
            }
        }
        return count;
    }

    private long xlsx(ExportRequest request, Columns columns, String sheetName, Iterator<Object[]> rows, Path file) throws IOException {
        long count = 0;
        SXSSFWorkbook workbook = new SXSSFWorkbook(XLSX_WINDOW);
        workbook.setCompressTempFiles(true);
        try (OutputStream out = Files.newOutputStream(file)) {
            SXSSFSheet sheet = workbook.createSheet(WorkbookUtil.createSafeSheetName(sheetName));
            Row header = sheet.createRow(0);
            List<String> names = request.headerRow();
            for (int i = 0; i < names.size(); i++) {
                header.createCell(i).setCellValue(names.get(i));
            }
            int width = columns.fields.length;
            while (rows.hasNext()) {
                Object[] row = rows.next();
                Row line = sheet.createRow((int) ++count);
                for (int i = 0; i < width; i++) {
                    Object value = value(columns, i, row);
                    if (value == null) {
                        continue;
                    }
                    Cell cell = line.createCell(i);
                    if (value instanceof Long l) {
                        cell.setCellValue(l.doubleValue());
                    } else if (value instanceof Double d) {
                        cell.setCellValue(d);
                    } else if (value instanceof Boolean b) {
                        cell.setCellValue(b);
                    } else if (columns.fields[i].type().json()) {
                        cell.setCellValue(Values.canonicalJson((String) value));
                    } else {
                        cell.setCellValue(String.valueOf(value));
                    }
                }
            }
            workbook.write(out);
        } finally {
            workbook.close();
        }
        return count;
    }
}
