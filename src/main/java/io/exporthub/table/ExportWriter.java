package io.exporthub.table;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.util.WorkbookUtil;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/**
 * Writes streamed rows to a file, one row at a time: CSV (RFC 4180, UTF-8, header row), JSON Lines,
 * or XLSX through POI's SXSSF, which keeps a window of rows in memory and flushes the rest to disk.
 */
public final class ExportWriter {

    /** Rows SXSSF keeps in memory before flushing them to its temporary file. */
    private static final int XLSX_WINDOW = 200;

    private final ZoneId zone;
    private final boolean neutraliseFormulas;

    public ExportWriter(ZoneId zone, boolean neutraliseFormulas) {
        this.zone = zone;
        this.neutraliseFormulas = neutraliseFormulas;
    }

    /** Writes every row to {@code file}; answers how many. */
    public long write(ExportRequest request, String sheetName, Iterator<Map<String, Object>> rows, Path file) throws IOException {
        return switch (request.fileType()) {
            case "csv" -> csv(request, rows, file);
            case "json" -> jsonLines(request, rows, file);
            default -> xlsx(request, sheetName, rows, file);
        };
    }

    private Object value(ExportRequest request, Field field, Map<String, Object> row) {
        return Values.output(field, row.get(field.name()), zone, request.timestampKeys().contains(field.name()));
    }

    private long csv(ExportRequest request, Iterator<Map<String, Object>> rows, Path file) throws IOException {
        long count = 0;
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(out, CSVFormat.RFC4180)) {
            csv.printRecord(request.headerRow());
            List<Field> columns = request.columns();
            Object[] cells = new Object[columns.size()];
            while (rows.hasNext()) {
                Map<String, Object> row = rows.next();
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cell(value(request, columns.get(i), row), columns.get(i));
                }
                csv.printRecord(cells);
                count++;
            }
        }
        return count;
    }

    private String cell(Object value, Field field) {
        if (value == null) {
            return "";
        }
        if (value instanceof JsonNode node) {
            return Json.write(node);
        }
        String text = String.valueOf(value);
        if (neutraliseFormulas && value instanceof String && field.type() == FieldType.STRING && formulaLike(text)) {
            // a spreadsheet would run it: a leading apostrophe makes it text (OWASP CSV injection advice)
            return "'" + text;
        }
        return text;
    }

    static boolean formulaLike(String text) {
        return !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0;
    }

    private long jsonLines(ExportRequest request, Iterator<Map<String, Object>> rows, Path file) throws IOException {
        long count = 0;
        try (Writer out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
             JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.setRootValueSeparator(null);
            List<Field> columns = request.columns();
            while (rows.hasNext()) {
                Map<String, Object> row = rows.next();
                json.writeStartObject();
                for (Field field : columns) {
                    json.writeFieldName(field.name());
                    Json.MAPPER.writeValue(json, value(request, field, row));
                }
                json.writeEndObject();
                json.flush();
                out.write('\n');
                count++;
            }
        }
        return count;
    }

    private long xlsx(ExportRequest request, String sheetName, Iterator<Map<String, Object>> rows, Path file) throws IOException {
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
            List<Field> columns = request.columns();
            while (rows.hasNext()) {
                Map<String, Object> row = rows.next();
                Row line = sheet.createRow((int) ++count);
                for (int i = 0; i < columns.size(); i++) {
                    Object value = value(request, columns.get(i), row);
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
                    } else if (value instanceof JsonNode node) {
                        cell.setCellValue(Json.write(node));
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
