package io.exporthub.task;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.core.type.TypeReference;
import io.exporthub.api.Json;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.FileWork;
import io.exporthub.store.Database;

/**
 * Export tasks and their files. Every state change is one guarded statement (claim only a pending
 * file, complete only a running one), so concurrent consumers and a restarted process agree.
 */
public class TaskStore {

    /** A stored path: the list of its parts. */
    static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
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
                    id, workspaceId, task.name(), task.creator(), task.connectorId(), task.connectorName(), task.type(), TaskStatus.RUNNING.code,
                    Json.write(task.config()), Json.write(task.targets()), Json.write(exportSource), now);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO export_task_files (task_id, file_id, full_path, is_raw, file_name, file_type, status, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, %d, ?)""".formatted(FileStatus.PENDING.code))) {
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
                        WHERE task_id = ? AND status = %d AND id > ? ORDER BY task_id, status, id LIMIT ?""".formatted(FileStatus.PENDING.code),
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
                    UPDATE export_task_files SET status = %d, started_at = ?, ended_at = NULL, attempts = attempts + 1
                    WHERE id = ? AND status = %d""".formatted(FileStatus.RUNNING.code, FileStatus.PENDING.code))) {
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
                    "UPDATE export_task_files SET status = %d, details = ?, ended_at = ? WHERE id = ? AND status = %d"
                            .formatted(FileStatus.COMPLETED.code, FileStatus.RUNNING.code))) {
                for (Completion completion : batch) {
                    Database.bind(ps, completion.details, completion.endedAt, completion.rowId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    public void markFailed(FileWork file, String reason) {
        db.update("UPDATE export_task_files SET status = %d, details = ?, ended_at = ? WHERE id = ? AND status IN (%d, %d)"
                        .formatted(FileStatus.FAILED.code, FileStatus.PENDING.code, FileStatus.RUNNING.code),
                reason, System.currentTimeMillis(), file.rowId());
        finishTask(file.taskId());
    }

    /** Ends the task once no file is pending or running: completed, or failed if any file failed. */
    public void finishTask(String taskId) {
        // a read first: while files remain (nearly always) no write, so no commit to wait for
        if (!db.query("SELECT id FROM export_task_files WHERE task_id = ? AND status IN (%d, %d) LIMIT 1"
                        .formatted(FileStatus.PENDING.code, FileStatus.RUNNING.code), rs -> rs.getLong(1), taskId)
                .isEmpty()) {
            return;
        }
        db.update("""
                UPDATE export_tasks SET ended_at = ?,
                    status = CASE WHEN EXISTS (SELECT 1 FROM export_task_files f WHERE f.task_id = ? AND f.status = %d) THEN %d ELSE %d END
                WHERE id = ? AND status = %d
                  AND NOT EXISTS (SELECT 1 FROM export_task_files f WHERE f.task_id = ? AND f.status IN (%d, %d))""".formatted(
                        FileStatus.FAILED.code, TaskStatus.FAILED.code, TaskStatus.COMPLETED.code, TaskStatus.RUNNING.code,
                        FileStatus.PENDING.code, FileStatus.RUNNING.code),
                System.currentTimeMillis(), taskId, taskId, taskId);
    }

    /** After a crash: files left running by the dead process go back to pending; answers the tasks to re-queue. */
    public List<String> resumable() {
        db.update("""
                UPDATE export_task_files SET status = %d, started_at = NULL
                WHERE status = %d AND task_id IN (SELECT id FROM export_tasks WHERE status = %d AND deleted = 0)"""
                .formatted(FileStatus.PENDING.code, FileStatus.RUNNING.code, TaskStatus.RUNNING.code));
        return db.query("SELECT id FROM export_tasks WHERE status = %d AND deleted = 0 ORDER BY created_at".formatted(TaskStatus.RUNNING.code),
                rs -> rs.getString(1));
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
        return db.update("UPDATE export_task_files SET status = %d, started_at = NULL WHERE status = %d"
                .formatted(FileStatus.PENDING.code, FileStatus.RUNNING.code));
    }

    public boolean isRunning(String id) {
        return db.queryLong("SELECT COUNT(*) FROM export_tasks WHERE id = ? AND status = %d AND deleted = 0"
                .formatted(TaskStatus.RUNNING.code), id) > 0;
    }

    private static FileWork fileWork(ResultSet rs) throws SQLException {
        return new FileWork(rs.getLong(1), rs.getString(2), rs.getString(3),
                Json.MAPPER.convertValue(Json.read(rs.getString(4)), STRINGS), rs.getInt(5) == 1, rs.getString(6));
    }
}
