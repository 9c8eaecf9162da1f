// Over 400 lines by a little: each MinApp table operation's request checks sit beside it; the multipart import reading could move out.
package io.exporthub.minapp;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.ExchangeProperties;
import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.api.RequestField;
import io.exporthub.store.Database;
import io.exporthub.auth.Principal;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.AttachmentMessage;
import jakarta.activation.DataHandler;

/**
 * The MinApp table API: tables (an extension), export jobs and import jobs. Every check runs here,
 * before a job exists, so that a refused request changes nothing and queues nothing.
 */
public class TableApi {

    public static final String INVALID_FILE = "无效的文件";
    /** In-process import: the table id, the file's name (its extension says csv or json) and use_id. */
    public static final String TABLE_ID = "ExportHubTableId";
    public static final String FILE_NAME = "ExportHubFileName";
    public static final String USE_ID = "ExportHubUseId";

    private static final int MAX_FIELDS = 200;
    /** The job keeps the uploaded file's name (table_jobs.file_name). */
    private static final int MAX_FILE_NAME = 255;

    private final TableStore tables;
    private final TableJobs jobs;
    private final DownloadLinks links;
    private final Path exportsDir;
    private final ZoneId zone;
    private final long exportInterval;
    private final long maxRows;
    private final long maxImportBytes;

    public TableApi(TableStore tables, TableJobs jobs, DownloadLinks links, Path exportsDir, ZoneId zone,
                    long exportIntervalMillis, long maxRows, long maxImportBytes) {
        this.tables = tables;
        this.jobs = jobs;
        this.links = links;
        this.exportsDir = exportsDir;
        this.zone = zone;
        this.exportInterval = exportIntervalMillis;
        this.maxRows = maxRows;
        this.maxImportBytes = maxImportBytes;
    }

    private static Principal principal(Exchange exchange) {
        return exchange.getProperty(ExchangeProperties.PRINCIPAL, Principal.class);
    }

    private static long tableId(Exchange exchange) {
        String id = exchange.getMessage().getHeader("table_id", String.class);
        if (id == null) {
            id = exchange.getMessage().getHeader(TABLE_ID, String.class);
        }
        if (id == null || !id.matches("\\d{1,18}")) {
            throw ApiException.notFound("table_id: no table " + id);
        }
        return Long.parseLong(id);
    }

    // ---- tables

    public Map<String, Object> createTable(Exchange exchange) {
        Principal principal = principal(exchange);
        RequestField body = RequestField.root(Json.parse(exchange.getMessage().getBody(String.class), "request body"), "request body");
        String name = body.get("name").requiredText(128);
        if (name.chars().anyMatch(Character::isISOControl)) {
            // it goes into mail subjects, file names and logs: a line break there starts a new one
            throw body.get("name").invalid("must not hold control characters (line breaks, tabs...)");
        }
        RequestField schema = body.get("schema").requiredObject();
        List<Field> fields = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RequestField f : schema.get("fields").requiredArray(0, MAX_FIELDS)) {
            f.object();
            f.allowOnly("name", "type", "items", "description");
            // its column is f_<name>, which must fit the store's limit on names
            int longest = Database.MAX_IDENTIFIER - "f_".length();
            String fieldName = f.get("name").requiredText(longest);
            if (!fieldName.matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw f.get("name").invalid("a field name is a letter, then letters, digits or _");
            }
            if (TableDef.BUILT_INS.stream().anyMatch(b -> b.name().equalsIgnoreCase(fieldName))) {
                throw f.get("name").invalid("'" + fieldName + "' is a built-in field");
            }
            if (!seen.add(fieldName.toLowerCase(Locale.ROOT))) {
                throw f.get("name").invalid("'" + fieldName + "' is there twice (names are compared ignoring case)");
            }
            String typeId = f.get("type").requiredText(16);
            FieldType type = FieldType.of(typeId).orElseThrow(() -> f.get("type").invalid("must be one of " + FieldType.ids()));
            FieldType items = null;
            if (type == FieldType.ARRAY) {
                RequestField itemsField = f.get("items");
                if (itemsField.present()) {
                    String itemsId = itemsField.object().get("type").requiredText(16);
                    items = FieldType.of(itemsId).filter(t -> t != FieldType.ARRAY)
                            .orElseThrow(() -> itemsField.get("type").invalid("must be a field type other than array"));
                }
            }
            fields.add(new Field(fieldName, type, items, false));
        }
        return tables.create(principal.workspaceId(), principal.userId(), name, fields).describe();
    }

    public Map<String, Object> listTables(Exchange exchange) {
        int limit = intParam(exchange, "limit", 20, 1, 1000);
        int offset = intParam(exchange, "offset", 0, 0, Integer.MAX_VALUE);
        List<TableDef> all = tables.list(principal(exchange).workspaceId());
        List<Object> page = all.stream().skip(offset).limit(limit).map(t -> (Object) t.describe()).toList();
        return page(exchange, page, all.size(), limit, offset);
    }

    public Map<String, Object> getTable(Exchange exchange) {
        return tables.get(principal(exchange).workspaceId(), tableId(exchange)).describe();
    }

    /** Drops the table, then its jobs and their files: no link of an export of it serves anything after. */
    public void deleteTable(Exchange exchange) throws IOException {
        long tableId = tableId(exchange);
        tables.delete(principal(exchange).workspaceId(), tableId);
        for (TableJobs.Job job : jobs.deleteOfTable(tableId)) {
            if (job.stagedFile() != null) {
                Files.deleteIfExists(Path.of(job.stagedFile()));
            }
            Path dir = exportsDir.resolve(job.id());
            if (Files.isDirectory(dir)) {
                try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.deleteIfExists(file);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    // ---- export

    /** Checks the request, the 60 s rule and the row cap, stores the job; answers its id (the caller queues it). */
    public String createExport(Exchange exchange) {
        Principal principal = principal(exchange);
        TableDef table = tables.get(principal.workspaceId(), tableId(exchange));
        Object raw = exchange.getMessage().getBody();
        // in-process callers may send a Map; HTTP bodies arrive as (cached) text
        String text = raw instanceof Map<?, ?> map ? Json.write(map) : exchange.getMessage().getBody(String.class);
        JsonNode json = Json.parse(text, "request body");
        ExportRequest request = ExportRequest.parse(table, json, zone);
        long now = System.currentTimeMillis();
        jobs.lastExport(principal.userId(), table.id()).filter(last -> now - last < exportInterval).ifPresent(last -> {
            throw ApiException.badRequest("an export of this table was created " + (now - last) / 1000
                    + " s ago; wait " + exportInterval / 1000 + " s between exports of one table");
        });
        long rows = tables.count(table, request.where().sql(), request.where().params());
        if (rows > maxRows) {
            throw ApiException.badRequest("the export would hold " + rows + " rows, more than the limit of " + maxRows);
        }
        return jobs.create(principal, table.id(), "export", request.fileType(), null, Json.write(json), null);
    }

    public Map<String, Object> exportJob(Exchange exchange) {
        return describe(job(exchange, "export"));
    }

    public Map<String, Object> exportJobs(Exchange exchange) {
        return jobList(exchange, "export");
    }

    private Map<String, Object> jobList(Exchange exchange, String operation) {
        Principal principal = principal(exchange);
        TableDef table = tables.get(principal.workspaceId(), tableId(exchange));
        int limit = intParam(exchange, "limit", 20, 1, 1000);
        int offset = intParam(exchange, "offset", 0, 0, Integer.MAX_VALUE);
        List<Object> objects = jobs.list(principal.workspaceId(), table.id(), operation, limit, offset).stream()
                .map(j -> (Object) describe(j)).toList();
        return page(exchange, objects, jobs.count(principal.workspaceId(), table.id(), operation), limit, offset);
    }

    private TableJobs.Job job(Exchange exchange, String operation) {
        Principal principal = principal(exchange);
        // the table first, so that an unknown table is reported as such rather than as an unknown job
        TableDef table = tables.get(principal.workspaceId(), tableId(exchange));
        return jobs.get(principal.workspaceId(), table.id(), operation, exchange.getMessage().getHeader("job_id", String.class));
    }

    /** A job as MinApp shows it; failed jobs say why, imports say what went in. */
    public Map<String, Object> describe(TableJobs.Job job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", job.id());
        out.put("status", job.status());
        out.put("operation", job.operation());
        out.put("file_name", job.fileName());
        out.put("file_type", job.fileType());
        if (job.operation().equals("export")) {
            out.put("download_url", downloadUrl(job));
            out.put("row_count", job.rowCount());
        } else {
            out.put("inserted", job.inserted());
            out.put("failed", job.failed());
            out.put("failures", job.failed() == null || job.failed() == 0 ? List.of() : jobs.failures(job.id(), 100));
        }
        if (job.error() != null) {
            out.put("error", job.error());
        }
        out.put("created_at", job.createdAt() / 1000);
        out.put("updated_at", job.updatedAt() / 1000);
        return out;
    }

    public String downloadUrl(TableJobs.Job job) {
        return TableJobs.FINISH.equals(job.status()) && job.fileName() != null
                ? links.url(job.id(), job.fileName(), job.expiresAt()) : null;
    }

    // ---- import

    /** Checks the uploaded file, stages it, stores the job; answers its id (the caller queues it). */
    public String createImport(Exchange exchange) throws IOException, org.apache.camel.InvalidPayloadException {
        Principal principal = principal(exchange);
        TableDef table = tables.get(principal.workspaceId(), tableId(exchange));
        String fileName;
        InputStream in;
        AttachmentMessage attachmentMessage = exchange.getMessage(AttachmentMessage.class);
        AttachmentMessage attachments = attachmentMessage.hasAttachments() ? attachmentMessage : null;
        boolean useId;
        if (attachments != null) {
            DataHandler file = attachments.getAttachment("file");
            if (file == null) {
                throw ApiException.badRequest("file: is required (multipart form field 'file')");
            }
            fileName = file.getName();
            in = file.getInputStream();
            useId = "true".equalsIgnoreCase(exchange.getMessage().getHeader("use_id", String.class));
        } else if (exchange.getMessage().getHeader(FILE_NAME) != null) {
            fileName = exchange.getMessage().getHeader(FILE_NAME, String.class);
            in = exchange.getMessage().getMandatoryBody(InputStream.class);
            useId = Boolean.TRUE.equals(exchange.getMessage().getHeader(USE_ID, Boolean.class));
        } else {
            throw ApiException.badRequest("file: is required (multipart form field 'file')");
        }
        String lower = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
        String type = lower.endsWith(".csv") ? "csv" : lower.endsWith(".json") || lower.endsWith(".jsonl") ? "json" : null;
        if (type == null) {
            throw invalidFile("the file name must end in .csv or .json");
        }
        if (fileName.length() > MAX_FILE_NAME) {
            throw invalidFile("the file name is longer than " + MAX_FILE_NAME + " characters");
        }
        Path staging = exportsDir.resolve("imports");
        Files.createDirectories(staging);
        Path staged = Files.createTempFile(staging, "import-", "." + type);
        try {
            try (InputStream source = in) {
                copyAtMost(source, staged, maxImportBytes);
            }
            check(table, staged, type);
            Map<String, Object> request = Map.of("use_id", useId, "file_name", fileName);
            return jobs.create(principal, table.id(), "import", type, fileName, Json.write(request), staged.toString());
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
    }

    private static void copyAtMost(InputStream in, Path target, long max) throws IOException {
        byte[] buffer = new byte[65536];
        long total = 0;
        try (var out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > max) {
                    throw invalidFile("the file is larger than " + max + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
        if (total == 0) {
            throw invalidFile("the file is empty");
        }
    }

    /** Readable as UTF-8 all through, not blank, and of the type its name says: else 无效的文件. */
    private void check(TableDef table, Path file, String type) throws IOException {
        int first = -1;
        try (Reader reader = ImportReader.utf8(Files.newInputStream(file))) {
            char[] buffer = new char[8192];
            int n;
            while ((n = reader.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    char c = buffer[i];
                    if (c == 0) {
                        throw invalidFile("the file holds binary data");
                    }
                    if (first < 0 && !Character.isWhitespace(c)) {
                        first = c;
                    }
                }
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw invalidFile("the file is not UTF-8 text");
        }
        if (first < 0) {
            throw invalidFile("the file is empty");
        }
        if (type.equals("json") && first != '{' && first != '[') {
            throw invalidFile("a JSON import is JSON Lines or one array of objects");
        }
        if (type.equals("csv")) {
            try (Reader reader = ImportReader.utf8(Files.newInputStream(file))) {
                new ImportReader(table, zone).csvHeader(reader);
            } catch (IllegalArgumentException e) {
                throw invalidFile("the header row: " + e.getMessage());
            } catch (java.io.UncheckedIOException e) {
                // Commons CSV's own message says where the header broke; the wrapper's would add its class name
                throw invalidFile("the header row: " + e.getCause().getMessage());
            }
        }
    }

    private static ApiException invalidFile(String why) {
        return ApiException.badRequest(INVALID_FILE + ": " + why);
    }

    public Map<String, Object> importJob(Exchange exchange) {
        return describe(job(exchange, "import"));
    }

    // ---- download

    /** Streams an export file to whoever holds a valid link; a wrong, tampered or expired link is a 403. */
    public void download(Exchange exchange) throws IOException {
        String jobId = exchange.getMessage().getHeader("job_id", String.class);
        String fileName = exchange.getMessage().getHeader("file_name", String.class);
        String expires = exchange.getMessage().getHeader("expires", String.class);
        String signature = exchange.getMessage().getHeader("signature", String.class);
        if (jobId == null || fileName == null || !jobId.matches("[A-Za-z0-9]{32}")
                || !links.valid(jobId, fileName, expires, signature)) {
            throw ApiException.forbidden("the link is not valid or has expired");
        }
        // a link outlives neither its job nor its table (one deleted while the export ran, say)
        TableJobs.Job job = jobs.find(jobId).filter(j -> fileName.equals(j.fileName()) && TableJobs.FINISH.equals(j.status()))
                .filter(j -> tables.find(j.workspaceId(), j.tableId()).isPresent())
                .orElseThrow(() -> ApiException.notFound("no such export file"));
        Path file = exportsDir.resolve(job.id()).resolve(job.fileName());
        if (!Files.isRegularFile(file)) {
            throw ApiException.notFound("the export file is gone");
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, switch (job.fileType()) {
            case "csv" -> "text/csv; charset=utf-8";
            case "json" -> "application/x-ndjson; charset=utf-8";
            default -> "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        });
        exchange.getMessage().setHeader("Content-Disposition", "attachment; filename=\"" + job.fileName() + "\"");
        exchange.getMessage().setHeader(Exchange.CONTENT_LENGTH, Files.size(file));
        exchange.getMessage().setBody(Files.newInputStream(file));
    }

    // ---- paging

    private static int intParam(Exchange exchange, String name, int fallback, int min, int max) {
        String value = exchange.getMessage().getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw ApiException.badRequest(name + ": must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": must be an integer");
        }
    }

    /** MinApp's list shape: {@code meta} (limit, next, offset, previous, total_count) and {@code objects}. */
    private static Map<String, Object> page(Exchange exchange, List<Object> objects, long total, int limit, int offset) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, String.class);
        String base = path == null ? "" : path;
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("limit", limit);
        meta.put("next", offset + limit < total ? base + "?limit=" + limit + "&offset=" + (offset + limit) : null);
        meta.put("offset", offset);
        meta.put("previous", offset > 0 ? base + "?limit=" + limit + "&offset=" + Math.max(0, offset - limit) : null);
        meta.put("total_count", total);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("meta", meta);
        out.put("objects", objects);
        return out;
    }
}
