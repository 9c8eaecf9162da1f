package io.exporthub.task;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.core.type.TypeReference;
import io.exporthub.api.ApiException;
import io.exporthub.api.Json;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.FileWork;
import io.exporthub.store.Database;
import io.exporthub.api.Times;

/**
 * Export tasks and their files. Every state change is one guarded statement (claim only a pending
 * file, complete only a running one), so concurrent consumers and a restarted process agree.
 */
public class TaskStore {

    public static final int RUNNING = 1;
    public static final int COMPLETED = 2;
    public static final int FAILED = 3;

    public static final int FILE_PENDING = 0;
    public static final int FILE_RUNNING = 1;
    public static final int FILE_COMPLETED = 2;
    public static final int FILE_FAILED = 3;

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<List<Target>> TARGETS = new TypeReference<>() {
    };
    private static final int EXPORT_SOURCE_LIMIT = 100;

    private final Database db;
    private final int claimBatch;
    private final List<Completion> completions = new ArrayList<>();
    private final Object completionWriter = new Object();
    private volatile BooleanSupplier stopping = () -> false;

    /** {@code claimBatch}: how many files a worker claims in one commit (a few more than run at once). */
    public TaskStore(Database db, int claimBatch) {
        this.db = db;
        this.claimBatch = claimBatch;
    }

    /** Once this says so, no more files are handed out: a stopping service lets in-flight files finish, no new ones. */
    public void stopHandingOutWhen(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    /** Stores the task and all its files in one transaction; answers the task id. */
    public String create(long workspaceId, NewTask task) {
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        List<List<String>> exportSource = task.files().stream().limit(EXPORT_SOURCE_LIMIT).map(NewTask.NewFile::fullPath).toList();
        return db.inTransaction(c -> {
            Database.update(c, """
                    INSERT INTO export_tasks (id, workspace_id, name, creator, connector_id, connector_name, type, status,
                        config, targets, export_source, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    id, workspaceId, task.name(), task.creator(), task.connectorId(), task.connectorName(), task.type(), RUNNING,
                    Json.write(task.config()), Json.write(task.targets()), Json.write(exportSource), now);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO export_task_files (task_id, file_id, full_path, is_raw, file_name, file_type, status, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?)""")) {
                int batched = 0;
                for (NewTask.NewFile file : task.files()) {
                    ps.setString(1, id);
                    ps.setString(2, file.fileId());
                    ps.setString(3, Json.write(file.fullPath()));
                    ps.setInt(4, file.raw() ? 1 : 0);
                    ps.setString(5, file.fileName());
                    ps.setInt(6, file.fileType());
                    ps.setLong(7, now);
                    ps.addBatch();
                    if (++batched % 500 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            return id;
        });
    }

    // ---- the pipeline's side ----

    /**
     * The task's pending files, claimed for delivery a few at a time: a page is read by key and its
     * files are claimed one guarded update each, committed together, so that no list of a million files
     * is held, no file is sent by two workers, and a claim costs one commit per batch rather than per
     * file. A deleted task yields no more files. Claimed files not handed out when the service stops are
     * still running, and go back to pending at the stop ({@link #releaseRunning}) or the next start.
     */
    public Iterator<Delivery> claimedFiles(String taskId) {
        return new Iterator<>() {
            private final Deque<Delivery> claimed = new ArrayDeque<>();
            private long lastId = 0;
            private boolean exhausted = false;
            private TaskSettings settings;

            @Override
            public boolean hasNext() {
                if (stopping.getAsBoolean()) {
                    return false;
                }
                while (claimed.isEmpty() && !exhausted) {
                    claimPage();
                }
                return !claimed.isEmpty();
            }

            @Override
            public Delivery next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return claimed.removeFirst();
            }

            private void claimPage() {
                // ordered as the index (task_id, status, id) is, which is the order of id here: H2 then reads
                // the page off the index; ORDER BY id alone made it read and sort every pending file per page
                List<FileWork> page = db.query("""
                        SELECT id, task_id, file_id, full_path, is_raw, file_name FROM export_task_files
                        WHERE task_id = ? AND status = 0 AND id > ? ORDER BY task_id, status, id LIMIT ?""",
                        TaskStore::fileWork, taskId, lastId, claimBatch);
                exhausted = page.size() < claimBatch;
                if (page.isEmpty()) {
                    return;
                }
                lastId = page.get(page.size() - 1).rowId();
                if (settings == null) {
                    settings = settings(taskId);
                    if (settings == null) {
                        exhausted = true;
                        return;
                    }
                }
                if (!isLive(taskId)) {
                    exhausted = true;
                    return;
                }
                List<FileWork> mine = claim(page);
                mine.forEach(file -> claimed.add(new Delivery(file, settings.mergeTitles(), settings.targets())));
            }
        };
    }

    private record TaskSettings(boolean mergeTitles, List<Target> targets) {
    }

    private TaskSettings settings(String taskId) {
        return db.queryOne("SELECT config, targets FROM export_tasks WHERE id = ?",
                rs -> new TaskSettings(Json.read(rs.getString(1)).path("merge_title_to_text").asBoolean(false),
                        Json.MAPPER.convertValue(Json.read(rs.getString(2)), TARGETS)),
                taskId).orElse(null);
    }

    /**
     * Claims those of the files still pending, in one transaction; answers them. Each update names its
     * row by key alone (a condition on the task as well made H2 scan the task's files for every row).
     */
    private List<FileWork> claim(List<FileWork> files) {
        long now = System.currentTimeMillis();
        return db.inTransaction(c -> {
            List<FileWork> mine = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE export_task_files SET status = 1, started_at = ?, ended_at = NULL, attempts = attempts + 1
                    WHERE id = ? AND status = 0""")) {
                for (FileWork file : files) {
                    Database.bind(ps, now, file.rowId());
                    if (ps.executeUpdate() == 1) {
                        mine.add(file);
                    }
                }
            }
            return mine;
        });
    }

    /** A delivery about to start whose task was deleted since its file was claimed: it is not started. */
    public boolean isAbandoned(Delivery delivery) {
        return !isLive(delivery.getFile().taskId());
    }

    private boolean isLive(String taskId) {
        return db.queryLong("SELECT COUNT(*) FROM export_tasks WHERE id = ? AND deleted = 0", taskId) > 0;
    }

    /**
     * Records a delivered file; returns once that is committed. Workers finishing at the same time share
     * one commit (group commit): the first to get the writer's turn writes every completion waiting.
     */
    public void markCompleted(Delivery delivery) {
        Completion mine = new Completion(delivery.getFile().rowId(), delivery.summary(), System.currentTimeMillis());
        synchronized (completions) {
            completions.add(mine);
        }
        synchronized (completionWriter) {
            if (!mine.written) {
                List<Completion> batch;
                synchronized (completions) {
                    batch = new ArrayList<>(completions);
                    completions.clear();
                }
                RuntimeException failure = null;
                try {
                    writeCompletions(batch);
                } catch (RuntimeException e) {
                    failure = e;
                }
                for (Completion c : batch) {
                    c.failure = failure;
                    c.written = true;
                }
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        finishTask(delivery.getFile().taskId());
    }

    private static final class Completion {
        final long rowId;
        final String details;
        final long endedAt;
        boolean written;
        RuntimeException failure;

        Completion(long rowId, String details, long endedAt) {
            this.rowId = rowId;
            this.details = details;
            this.endedAt = endedAt;
        }
    }

    private void writeCompletions(List<Completion> batch) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE export_task_files SET status = 2, details = ?, ended_at = ? WHERE id = ? AND status = 1")) {
                for (Completion completion : batch) {
                    Database.bind(ps, completion.details, completion.endedAt, completion.rowId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    public void markFailed(FileWork file, String reason) {
        db.update("UPDATE export_task_files SET status = 3, details = ?, ended_at = ? WHERE id = ? AND status IN (0, 1)",
                reason, System.currentTimeMillis(), file.rowId());
        finishTask(file.taskId());
    }

    /** Ends the task once no file is pending or running: completed, or failed if any file failed. */
    public void finishTask(String taskId) {
        // a read first: while files remain (nearly always) no write, so no commit to wait for
        if (!db.query("SELECT id FROM export_task_files WHERE task_id = ? AND status IN (0, 1) LIMIT 1", rs -> rs.getLong(1), taskId)
                .isEmpty()) {
            return;
        }
        db.update("""
                UPDATE export_tasks SET ended_at = ?,
                    status = CASE WHEN EXISTS (SELECT 1 FROM export_task_files f WHERE f.task_id = ? AND f.status = 3) THEN 3 ELSE 2 END
                WHERE id = ? AND status = 1
                  AND NOT EXISTS (SELECT 1 FROM export_task_files f WHERE f.task_id = ? AND f.status IN (0, 1))""",
                System.currentTimeMillis(), taskId, taskId, taskId);
    }

    /** After a crash: files left running by the dead process go back to pending; answers the tasks to re-queue. */
    public List<String> resumable() {
        db.update("""
                UPDATE export_task_files SET status = 0, started_at = NULL
                WHERE status = 1 AND task_id IN (SELECT id FROM export_tasks WHERE status = 1 AND deleted = 0)""");
        return db.query("SELECT id FROM export_tasks WHERE status = 1 AND deleted = 0 ORDER BY created_at", rs -> rs.getString(1));
    }

    /** Counts across workspaces for the metrics: {@code task.<status>} and {@code file.<status>}. */
    public Map<String, Long> countsByStatus() {
        String[] taskNames = {"", "running", "completed", "failed"};
        String[] fileNames = {"pending", "running", "completed", "failed"};
        Map<String, Long> counts = new LinkedHashMap<>();
        db.query("SELECT status, COUNT(*) FROM export_tasks WHERE deleted = 0 GROUP BY status", rs -> {
            counts.put("task." + taskNames[rs.getInt(1)], rs.getLong(2));
            return null;
        });
        db.query("""
                SELECT f.status, COUNT(*) FROM export_task_files f JOIN export_tasks t ON t.id = f.task_id
                WHERE t.deleted = 0 GROUP BY f.status""", rs -> {
            counts.put("file." + fileNames[rs.getInt(1)], rs.getLong(2));
            return null;
        });
        return counts;
    }

    /** At a graceful stop: files whose delivery did not finish in time go back to pending, to resume. */
    public int releaseRunning() {
        return db.update("UPDATE export_task_files SET status = 0, started_at = NULL WHERE status = 1");
    }

    // ---- the API's side ----

    public Map<String, Object> info(long workspaceId, String id) {
        TaskRow task = task(workspaceId, id);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", task.id);
        data.put("name", task.name);
        data.put("creator", task.creator);
        data.put("connector_id", task.connectorId);
        data.put("connector_name", task.connectorName);
        data.put("type", task.type);
        data.put("status", task.status);
        data.put("config", Json.read(task.config));
        data.put("create_time", Times.iso(task.createdAt));
        data.put("end_time", Times.iso(task.endedAt));
        Map<String, Object> stats = new LinkedHashMap<>(state(workspaceId, id));
        stats.put("fileSuccess", stats.get("completed"));
        stats.put("fileFail", stats.get("failed"));
        data.put("file_stats", stats);
        data.put("fileSuccess", stats.get("completed"));
        data.put("fileFail", stats.get("failed"));
        return data;
    }

    /** Exact counts by file status. */
    public Map<String, Object> state(long workspaceId, String id) {
        task(workspaceId, id);
        long[] counts = new long[4];
        db.query("SELECT status, COUNT(*) FROM export_task_files WHERE task_id = ? GROUP BY status", rs -> {
            counts[rs.getInt(1)] = rs.getLong(2);
            return null;
        }, id);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("total", counts[0] + counts[1] + counts[2] + counts[3]);
        state.put("pending", counts[FILE_PENDING]);
        state.put("running", counts[FILE_RUNNING]);
        state.put("failed", counts[FILE_FAILED]);
        state.put("completed", counts[FILE_COMPLETED]);
        return state;
    }

    public Map<String, Object> list(long workspaceId, TaskQueries.ListQuery q) {
        StringBuilder where = new StringBuilder(" WHERE workspace_id = ? AND deleted = 0");
        List<Object> params = new ArrayList<>(List.of(workspaceId));
        if (!q.statuses().isEmpty()) {
            where.append(" AND status IN (").append(placeholders(q.statuses().size())).append(")");
            params.addAll(q.statuses());
        }
        if (q.creator() != null) {
            where.append(" AND creator = ?");
            params.add(q.creator());
        }
        if (q.connectorName() != null) {
            where.append(" AND connector_name = ?");
            params.add(q.connectorName());
        }
        if (q.taskId() != null) {
            where.append(" AND id = ?");
            params.add(q.taskId());
        }
        long total = db.queryLong("SELECT COUNT(*) FROM export_tasks" + where, params.toArray());
        List<Object> pageParams = new ArrayList<>(params);
        pageParams.add(q.limit());
        pageParams.add(q.offset());
        List<Map<String, Object>> tasks = db.query("SELECT * FROM export_tasks" + where
                + " ORDER BY " + q.orderBy() + " " + q.direction() + ", id " + q.direction() + " LIMIT ? OFFSET ?", rs -> {
                    Map<String, Object> t = new LinkedHashMap<>();
                    t.put("id", rs.getString("id"));
                    t.put("name", rs.getString("name"));
                    t.put("creator", rs.getString("creator"));
                    t.put("connector_name", rs.getString("connector_name"));
                    t.put("type", rs.getInt("type"));
                    t.put("status", rs.getInt("status"));
                    t.put("export_source", Json.read(rs.getString("export_source")));
                    t.put("create_time", Times.iso(rs.getLong("created_at")));
                    t.put("end_time", Times.iso(Database.nullableLong(rs, "ended_at")));
                    return t;
                }, pageParams.toArray());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("tasks", tasks);
        data.put("total", total);
        return data;
    }

    public Map<String, Object> files(long workspaceId, TaskQueries.FilesQuery q) {
        task(workspaceId, q.taskId());
        StringBuilder where = new StringBuilder(" WHERE task_id = ?");
        List<Object> params = new ArrayList<>(List.of(q.taskId()));
        if (!q.statuses().isEmpty()) {
            where.append(" AND status IN (").append(placeholders(q.statuses().size())).append(")");
            params.addAll(q.statuses());
        }
        long total = db.queryLong("SELECT COUNT(*) FROM export_task_files" + where, params.toArray());
        List<Object> pageParams = new ArrayList<>(params);
        pageParams.add(q.limit());
        pageParams.add(q.offset());
        List<Map<String, Object>> files = db.query("SELECT * FROM export_task_files" + where
                + " ORDER BY " + q.orderBy() + " " + q.direction() + ", id " + q.direction() + " LIMIT ? OFFSET ?", rs -> {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("id", rs.getString("file_id"));
                    f.put("status", rs.getInt("status"));
                    f.put("full_path", Json.MAPPER.convertValue(Json.read(rs.getString("full_path")), STRINGS));
                    f.put("is_raw", rs.getInt("is_raw") == 1);
                    f.put("details", rs.getString("details"));
                    f.put("create_time", Times.iso(rs.getLong("created_at")));
                    f.put("start_time", Times.iso(Database.nullableLong(rs, "started_at")));
                    f.put("end_time", Times.iso(Database.nullableLong(rs, "ended_at")));
                    f.put("file_name", rs.getString("file_name"));
                    f.put("file_type", rs.getInt("file_type"));
                    return f;
                }, pageParams.toArray());
        Map<String, Object> state = state(workspaceId, q.taskId());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("files", files);
        data.put("total", total);
        data.put("total_failure", state.get("failed"));
        data.put("total_files", state.get("total"));
        data.put("total_success", state.get("completed"));
        return data;
    }

    /**
     * Puts failed files (all, or those listed) back to pending and the task back to running;
     * answers how many were re-queued. Completed files are never re-sent.
     */
    public int rerun(long workspaceId, String id, List<String> fileIds) {
        task(workspaceId, id);
        String reset = "UPDATE export_task_files SET status = 0, details = NULL, started_at = NULL, ended_at = NULL WHERE status = 3";
        List<Long> rows = fileIds.isEmpty() ? List.of() : failedRows(id, fileIds);
        return db.inTransaction(c -> {
            int requeued = 0;
            if (fileIds.isEmpty()) {
                requeued = Database.update(c, reset + " AND task_id = ?", id);
            } else {
                for (List<Long> chunk : chunks(rows)) {
                    requeued += Database.update(c, reset + " AND id IN (" + placeholders(chunk.size()) + ")", chunk.toArray());
                }
            }
            if (requeued > 0) {
                Database.update(c, "UPDATE export_tasks SET status = 1, ended_at = NULL WHERE id = ?", id);
            }
            return requeued;
        });
    }

    /**
     * The rows of the listed files that failed; 400 naming the first listed id the task does not have.
     * The task's files are read once into a map: up to 100,000 listed ids cost a pass over the list, and
     * the updates go by primary key, not by IN lists of file ids that a database scans the task for.
     */
    private List<Long> failedRows(String taskId, List<String> fileIds) {
        Map<String, Long> failed = new HashMap<>();
        Set<String> known = new HashSet<>();
        for (Object[] file : db.query("SELECT id, file_id, status FROM export_task_files WHERE task_id = ?",
                rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getInt(3)}, taskId)) {
            known.add((String) file[1]);
            if ((Integer) file[2] == 3) {
                failed.put((String) file[1], (Long) file[0]);
            }
        }
        List<Long> rows = new ArrayList<>();
        for (int i = 0; i < fileIds.size(); i++) {
            String fileId = fileIds.get(i);
            if (!known.contains(fileId)) {
                throw ApiException.badRequest("files[" + i + "]: no file '" + fileId + "' in task " + taskId);
            }
            Long row = failed.remove(fileId);
            if (row != null) {
                rows.add(row);
            }
        }
        return rows;
    }

    /** Hides the task and stops it: pending files are never claimed once this returns. */
    public void delete(long workspaceId, String id) {
        task(workspaceId, id);
        db.update("UPDATE export_tasks SET deleted = 1, ended_at = COALESCE(ended_at, ?) WHERE id = ?", System.currentTimeMillis(), id);
    }

    public boolean isRunning(String id) {
        return db.queryLong("SELECT COUNT(*) FROM export_tasks WHERE id = ? AND status = 1 AND deleted = 0", id) > 0;
    }

    /** Throws 404 unless the task exists in this workspace. */
    public TaskRow task(long workspaceId, String id) {
        return db.queryOne("SELECT * FROM export_tasks WHERE id = ? AND workspace_id = ? AND deleted = 0", rs -> new TaskRow(
                        rs.getString("id"), rs.getString("name"), rs.getString("creator"), rs.getLong("connector_id"),
                        rs.getString("connector_name"), rs.getInt("type"), rs.getInt("status"), rs.getString("config"),
                        rs.getLong("created_at"), Database.nullableLong(rs, "ended_at")), id, workspaceId)
                .orElseThrow(() -> ApiException.notFound("id: no task '" + id + "' in this workspace"));
    }

    public record TaskRow(String id, String name, String creator, long connectorId, String connectorName, int type,
                          int status, String config, long createdAt, Long endedAt) {
    }

    private static FileWork fileWork(ResultSet rs) throws SQLException {
        return new FileWork(rs.getLong(1), rs.getString(2), rs.getString(3),
                Json.MAPPER.convertValue(Json.read(rs.getString(4)), STRINGS), rs.getInt(5) == 1, rs.getString(6));
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static <T> List<List<T>> chunks(List<T> values) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < values.size(); i += 500) {
            chunks.add(values.subList(i, Math.min(values.size(), i + 500)));
        }
        return chunks;
    }
}
