package io.exporthub.minapp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
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

    private final TableJobs jobs;
    private final TableStore tables;
    private final Path exportsDir;
    private final ZoneId zone;
    private final ExportWriter writer;
    private final Duration linkTtl;
    /** Records of an import per batch: the rows of each commit with how far the import is. */
    private final int batchRows;

    public TableJobRunner(TableJobs jobs, TableStore tables, Path exportsDir, ZoneId zone, boolean neutraliseFormulas, Duration linkTtl,
                          int batchRows) {
        this.jobs = jobs;
        this.tables = tables;
        this.exportsDir = exportsDir;
        this.zone = zone;
        this.writer = new ExportWriter(zone, neutraliseFormulas);
        this.linkTtl = linkTtl;
        this.batchRows = batchRows;
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
        // a resumed import: its first records went in (or failed) with the batches that committed
        Progress progress = new Progress(job);
        long resumeAt = progress.position;
        try (Inserter inserter = new Inserter(job, tables.loader(table), progress)) {
            Batch[] batch = {new Batch(resumeAt)};
            long[] position = {0};
            Consumer<ImportReader.Record> sink = record -> {
                if (++position[0] <= resumeAt) {
                    return;
                }
                Batch b = batch[0];
                b.end = position[0];
                if (record.error() != null) {
                    b.failures.add(new Failure(position[0], new TableJobs.Failure(record.line(), record.error())));
                } else {
                    Object[] values = record.values();
                    String problem = complete(values, builtIns, useId, job.userId(), now);
                    if (problem != null) {
                        b.failures.add(new Failure(position[0], new TableJobs.Failure(record.line(), problem)));
                    } else {
                        for (int i = 0; i < values.length; i++) {
                            values[i] = Values.toSql(fields.get(i), values[i]);
                        }
                        b.rows.add(new TableStore.NewRow(record.line(), values));
                        b.rowPositions.add(position[0]);
                    }
                }
                if (b.rows.size() + b.failures.size() >= batchRows) {
                    inserter.insert(b);
                    batch[0] = new Batch(b.end);
                }
            };
            if (job.fileType().equals("csv")) {
                reader.csv(file, sink);
            } else {
                reader.json(file, sink);
            }
            inserter.insert(batch[0]);
            inserter.await();
            jobs.finishImport(job.id(), progress.inserted, progress.failed);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A failed record and its position among the records of the file (1 the first). */
    private record Failure(long position, TableJobs.Failure failure) {
    }

    /** The records of the file after position {@code start} up to {@code end}: rows to insert (with their positions), and failures. */
    private static final class Batch {
        final List<TableStore.NewRow> rows = new ArrayList<>();
        final List<Long> rowPositions = new ArrayList<>();
        final List<Failure> failures = new ArrayList<>();
        long end;

        Batch(long start) {
            this.end = start;
        }
    }

    /**
     * How far an import is, committed with each batch's rows (see {@link TableStore.Checkpoint}): the
     * position in the file through which every record is done, and the counts. The values written in a
     * transaction become the import's own once it commits.
     */
    private static final class Progress implements TableStore.Checkpoint {
        private final String jobId;
        long position;
        long inserted;
        long failed;
        private Batch batch;
        /** Rows and failures of the batch already committed: those before these indexes. */
        private int rowsDone;
        private int failuresDone;
        private long[] written;

        Progress(TableJobs.Job job) {
            this.jobId = job.id();
            this.position = job.importPosition() == null ? 0 : job.importPosition();
            this.inserted = position == 0 || job.inserted() == null ? 0 : job.inserted();
            this.failed = position == 0 || job.failed() == null ? 0 : job.failed();
        }

        void begin(Batch next) {
            batch = next;
            rowsDone = 0;
            failuresDone = 0;
        }

        @Override
        public void batchDone(Connection c) throws SQLException {
            write(c, batch.end, batch.rows.size(), null);
        }

        @Override
        public void rowDone(Connection c, int index, String refused) throws SQLException {
            write(c, batch.rowPositions.get(index), index + 1,
                    refused == null ? null : new TableJobs.Failure(batch.rows.get(index).line(), refused));
        }

        /** Writes that the records through {@code through} are done, and rows before index {@code rowsThrough}. */
        private void write(Connection c, long through, int rowsThrough, TableJobs.Failure refused) throws SQLException {
            List<TableJobs.Failure> failures = new ArrayList<>();
            int f = failuresDone;
            while (f < batch.failures.size() && batch.failures.get(f).position() <= through) {
                failures.add(batch.failures.get(f++).failure());
            }
            if (refused != null) {
                failures.add(refused);
            }
            long rows = inserted + rowsThrough - rowsDone - (refused == null ? 0 : 1);
            TableJobs.checkpoint(c, jobId, through, rows, failed + failures.size(), failures);
            written = new long[] {through, rows, failed + failures.size(), rowsThrough, f};
        }

        @Override
        public void committed() {
            position = written[0];
            inserted = written[1];
            failed = written[2];
            rowsDone = (int) written[3];
            failuresDone = (int) written[4];
        }
    }

    /**
     * Inserts the batches of an import on a thread of its own, one at a time in the order of the file,
     * so that the next batch is read while one goes in; each commits with the import's progress. The
     * failure of a batch surfaces on the caller's thread, when it hands over the next batch or awaits
     * the last.
     */
    private final class Inserter implements AutoCloseable {
        private final TableStore.Loader loader;
        private final Progress progress;
        private final ExecutorService thread;
        private Future<?> inserting;

        Inserter(TableJobs.Job job, TableStore.Loader loader, Progress progress) {
            this.loader = loader;
            this.progress = progress;
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
            progress.begin(batch);
            inserting = thread.submit(() -> loader.insert(staged, progress));
        }

        /** Waits for the batch going in. */
        void await() {
            if (inserting == null) {
                return;
            }
            Future<?> batch = inserting;
            inserting = null;
            outcome(batch);
        }

        private static void outcome(Future<?> future) {
            try {
                future.get();
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
                    outcome(inserting);
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
