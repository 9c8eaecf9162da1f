package io.exporthub.minapp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.exporthub.api.ApiException;
import io.exporthub.store.DomainException;
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
    private static final int BATCH = 10000;

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
        } catch (ApiException | DomainException | IllegalStateException | IllegalArgumentException | IOException | java.io.UncheckedIOException e) {
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
                    Map<String, Object> named = new LinkedHashMap<>();
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
        List<Field> fields = table.allFields();
        BuiltIns builtIns = new BuiltIns(fields);
        long now = System.currentTimeMillis() / 1000;
        try (Inserter inserter = new Inserter(job, tables.loader(table))) {
            Batch[] batch = {new Batch()};
            Consumer<ImportReader.Record> sink = record -> {
                Batch b = batch[0];
                if (record.error() != null) {
                    b.failures.put(record.line(), record.error());
                } else {
                    Object[] values = record.values();
                    String problem = complete(values, builtIns, useId, job.userId(), now);
                    if (problem != null) {
                        b.failures.put(record.line(), problem);
                    } else {
                        for (int i = 0; i < values.length; i++) {
                            values[i] = Values.toSql(fields.get(i), values[i]);
                        }
                        b.rows.add(new TableStore.NewRow(record.line(), values));
                    }
                }
                if (b.rows.size() >= BATCH || b.failures.size() >= BATCH) {
                    inserter.insert(b);
                    batch[0] = new Batch();
                }
            };
            if (job.fileType().equals("csv")) {
                reader.csv(file, sink);
            } else {
                reader.json(file, sink);
            }
            inserter.insert(batch[0]);
            inserter.await();
            jobs.finishImport(job.id(), inserter.inserted, inserter.failed);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Rows to insert and the records that failed before, by line. */
    private static final class Batch {
        final List<TableStore.NewRow> rows = new ArrayList<>();
        final Map<Long, String> failures = new LinkedHashMap<>();
    }

    /**
     * Inserts the batches of an import on a thread of its own, one at a time in the order of the file,
     * so that the next batch is read while one goes in. The outcome of a batch (rows inserted, failures
     * kept) is taken on the caller's thread, when it hands over the next batch or awaits the last; the
     * failure of a batch surfaces there.
     */
    private final class Inserter implements AutoCloseable {
        private final TableJobs.Job job;
        private final TableStore.Loader loader;
        private final ExecutorService thread;
        private Batch inserting;
        private Future<Map<Long, String>> refused;
        long inserted;
        long failed;

        Inserter(TableJobs.Job job, TableStore.Loader loader) {
            this.job = job;
            this.loader = loader;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "table-import-" + job.id());
                t.setDaemon(true);
                return t;
            });
        }

        /** Stages the batch (while the one before goes in), then hands it over once the one before is in. */
        void insert(Batch batch) {
            TableStore.Staged staged = loader.stage(batch.rows);
            await();
            inserting = batch;
            refused = thread.submit(() -> loader.insert(staged));
        }

        /** Waits for the batch going in and takes its outcome. */
        void await() {
            if (inserting == null) {
                return;
            }
            Batch batch = inserting;
            inserting = null;
            Map<Long, String> refusedRows = outcome(refused);
            inserted += batch.rows.size() - refusedRows.size();
            batch.failures.putAll(refusedRows);
            jobs.addFailures(job.id(), batch.failures, Math.min(failed, TableJobs.FAILURES_KEPT));
            failed += batch.failures.size();
        }

        private static <T> T outcome(Future<T> future) {
            try {
                return future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while importing");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(cause);
            }
        }

        /** Lets a batch still going in end (the job failed: its outcome no longer matters), then stops the thread. */
        @Override
        public void close() {
            try {
                if (inserting != null) {
                    outcome(refused);
                }
            } catch (RuntimeException | Error ignored) {
                // the job failed already, with the error that brought it here
            } finally {
                thread.shutdown();
                loader.close();
            }
        }
    }

    /** Where the built-ins that an import fills are in a row. */
    private record BuiltIns(int id, int createdAt, int updatedAt, int createdBy) {
        BuiltIns(List<Field> fields) {
            this(indexOf(fields, "id"), indexOf(fields, "created_at"), indexOf(fields, "updated_at"), indexOf(fields, "created_by"));
        }

        private static int indexOf(List<Field> fields, String name) {
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).name().equals(name)) {
                    return i;
                }
            }
            throw new IllegalStateException("no built-in " + name);
        }
    }

    /** Fills the built-ins a record left out or left empty; {@code id} from the file only with use_id. Answers why not, or null. */
    private static String complete(Object[] values, BuiltIns builtIns, boolean useId, long userId, long now) {
        Object id = values[builtIns.id()];
        if (useId && id != null) {
            if (!(id instanceof String s) || !lowercaseHex24(s)) {
                return "id: expected 24 lowercase hex characters";
            }
        } else {
            values[builtIns.id()] = TableStore.newId();
        }
        if (values[builtIns.createdAt()] == null) {
            values[builtIns.createdAt()] = now;
        }
        if (values[builtIns.updatedAt()] == null) {
            values[builtIns.updatedAt()] = now;
        }
        if (values[builtIns.createdBy()] == null) {
            values[builtIns.createdBy()] = userId;
        }
        return null;
    }

    private static boolean lowercaseHex24(String s) {
        if (s.length() != 24) {
            return false;
        }
        for (int i = 0; i < 24; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
