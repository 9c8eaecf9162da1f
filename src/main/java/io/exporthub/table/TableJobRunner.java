package io.exporthub.table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Predicate;

import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a queued job: an export streams the table's rows into a file under the exports directory; an
 * import streams the staged file into the table in batches. Whatever goes wrong fails the job with
 * a reason, never the queue.
 */
public class TableJobRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TableJobRunner.class);
    private static final int BATCH = 2000;

    private final TableJobs jobs;
    private final TableStore tables;
    private final Path exportsDir;
    private final ZoneId zone;
    private final ExportWriter writer;
    private final Duration linkTtl;

    public TableJobRunner(TableJobs jobs, TableStore tables, Path exportsDir, ZoneId zone, boolean neutraliseFormulas, Duration linkTtl) {
        this.jobs = jobs;
        this.tables = tables;
        this.exportsDir = exportsDir;
        this.zone = zone;
        this.writer = new ExportWriter(zone, neutraliseFormulas);
        this.linkTtl = linkTtl;
    }

    /** Runs the job if it is still pending; answers its id when it ended here (for the e-mail), else null. */
    public String run(@Body String jobId) {
        if (!jobs.start(jobId)) {
            return null;
        }
        TableJobs.Job job = jobs.find(jobId).orElseThrow();
        try {
            TableDef table = tables.find(job.workspaceId(), job.tableId())
                    .orElseThrow(() -> new IllegalStateException("the table was deleted"));
            if (job.operation().equals("export")) {
                export(job, table);
            } else {
                importRows(job, table);
            }
        } catch (ApiException | IllegalStateException | IllegalArgumentException | IOException | java.io.UncheckedIOException e) {
            jobs.fail(jobId, String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("Table job {} failed", jobId, e);
            jobs.fail(jobId, "internal error: " + e.getClass().getSimpleName());
        }
        return jobId;
    }

    private void export(TableJobs.Job job, TableDef table) throws IOException {
        ExportRequest request = ExportRequest.parse(table, Json.read(job.request()), zone);
        Path dir = exportsDir.resolve(job.id());
        Files.createDirectories(dir);
        String fileName = safeName(table.name()) + "_" + job.id() + "." + request.fileType();
        Path part = dir.resolve(fileName + ".part");
        List<Field> fields = table.allFields();
        long count;
        try (TableStore.Scan scan = tables.scan(table, request.where().sql(), request.where().params(), request.orderBy())) {
            Iterator<Object[]> rows = scan;
            if (request.where().residual() != null) {
                rows = filter(rows, fields, request.where().residual());
            }
            count = writer.write(request, table.name(), fields, rows, part);
        }
        Files.move(part, dir.resolve(fileName), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long expires = System.currentTimeMillis() / 1000 + linkTtl.toSeconds();
        jobs.finishExport(job.id(), fileName, count, expires);
    }

    static String safeName(String name) {
        String safe = name.replaceAll("[^\\p{L}\\p{N}_.-]", "_");
        return safe.length() > 100 ? safe.substring(0, 100) : safe;
    }

    /** The rows the predicate keeps; it sees a row as a map of field names to values. */
    private static Iterator<Object[]> filter(Iterator<Object[]> rows, List<Field> fields, Predicate<Map<String, Object>> keep) {
        return new Iterator<>() {
            private Object[] next;

            @Override
            public boolean hasNext() {
                while (next == null && rows.hasNext()) {
                    Object[] row = rows.next();
                    Map<String, Object> named = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < row.length; i++) {
                        Object value = row[i];
                        named.put(fields.get(i).name(), value != null && fields.get(i).type().json() ? Json.read((String) value) : value);
                    }
                    if (keep.test(named)) {
                        next = row;
                    }
                }
                return next != null;
            }

            @Override
            public Object[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Object[] row = next;
                next = null;
                return row;
            }
        };
    }

    private void importRows(TableJobs.Job job, TableDef table) throws IOException {
        Path file = Path.of(job.stagedFile());
        boolean useId = Json.read(job.request()).path("use_id").asBoolean(false);
        ImportReader reader = new ImportReader(table, zone);
        long[] counts = new long[2]; // inserted, failed
        List<TableStore.NewRow> batch = new ArrayList<>();
        Map<Long, String> failures = new java.util.LinkedHashMap<>();
        long now = System.currentTimeMillis() / 1000;
        java.util.function.Consumer<ImportReader.Record> sink = record -> {
            if (record.error() != null) {
                failures.put(record.line(), record.error());
            } else {
                Optional<String> problem = complete(record.values(), useId, job.userId(), now);
                if (problem.isPresent()) {
                    failures.put(record.line(), problem.get());
                } else {
                    batch.add(new TableStore.NewRow(record.line(), record.values()));
                }
            }
            if (batch.size() >= BATCH || failures.size() >= BATCH) {
                flush(job, table, batch, failures, counts);
            }
        };
        try {
            if (job.fileType().equals("csv")) {
                reader.csv(file, sink);
            } else {
                reader.json(file, sink);
            }
            flush(job, table, batch, failures, counts);
            jobs.finishImport(job.id(), counts[0], counts[1]);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void flush(TableJobs.Job job, TableDef table, List<TableStore.NewRow> batch, Map<Long, String> failures, long[] counts) {
        Map<Long, String> refused = tables.insert(table, batch);
        counts[0] += batch.size() - refused.size();
        failures.putAll(refused);
        jobs.addFailures(job.id(), failures, Math.min(counts[1], TableJobs.FAILURES_KEPT));
        counts[1] += failures.size();
        batch.clear();
        failures.clear();
    }

    /** Fills the built-ins a record left out; {@code id} from the file only with use_id. */
    private static Optional<String> complete(Map<String, Object> values, boolean useId, long userId, long now) {
        Object id = values.get("id");
        if (useId && id != null) {
            if (!(id instanceof String s) || !s.matches("[0-9a-f]{24}")) {
                return Optional.of("id: expected 24 lowercase hex characters");
            }
        } else {
            values.put("id", TableStore.newId());
        }
        values.putIfAbsent("created_at", now);
        values.putIfAbsent("updated_at", now);
        if (values.get("created_at") == null) {
            values.put("created_at", now);
        }
        if (values.get("updated_at") == null) {
            values.put("updated_at", now);
        }
        values.putIfAbsent("created_by", userId);
        return Optional.empty();
    }
}
