package io.exporthub.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.exporthub.api.Json;
import io.exporthub.api.Times;
import io.exporthub.store.Database;
import io.exporthub.store.InvalidInputException;
import io.exporthub.store.NotFoundException;

/**
 * The API's side of export tasks: what a workspace sees of its tasks (info, state, list, files) and
 * the two changes it asks for (rerun, delete). The queue's side, which hands files out and records
 * their outcome, is {@link TaskStore}.
 */
public class TaskViews {

    private final Database db;

    public TaskViews(Database db) {
        this.db = db;
    }


    public Map<String, Object> info(long workspaceId, String id) {
        TaskRow task = task(workspaceId, id, "id");
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
        task(workspaceId, id, "task_id");
        long[] counts = new long[4];
        db.query("SELECT status, COUNT(*) FROM export_task_files WHERE task_id = ? GROUP BY status", rs -> {
            counts[rs.getInt(1)] = rs.getLong(2);
            return null;
        }, id);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("total", counts[0] + counts[1] + counts[2] + counts[3]);
        state.put("pending", counts[FileStatus.PENDING.code]);
        state.put("running", counts[FileStatus.RUNNING.code]);
        state.put("failed", counts[FileStatus.FAILED.code]);
        state.put("completed", counts[FileStatus.COMPLETED.code]);
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
        task(workspaceId, q.taskId(), "task_id");
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
                    f.put("full_path", Json.MAPPER.convertValue(Json.read(rs.getString("full_path")), TaskStore.STRINGS));
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
        task(workspaceId, id, "task_id");
        String reset = "UPDATE export_task_files SET status = %d, details = NULL, started_at = NULL, ended_at = NULL WHERE status = %d"
                .formatted(FileStatus.PENDING.code, FileStatus.FAILED.code);
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
                Database.update(c, "UPDATE export_tasks SET status = %d, ended_at = NULL WHERE id = ?".formatted(TaskStatus.RUNNING.code), id);
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
            if ((Integer) file[2] == FileStatus.FAILED.code) {
                failed.put((String) file[1], (Long) file[0]);
            }
        }
        List<Long> rows = new ArrayList<>();
        for (int i = 0; i < fileIds.size(); i++) {
            String fileId = fileIds.get(i);
            if (!known.contains(fileId)) {
                throw new InvalidInputException("files[" + i + "]", "no file '" + fileId + "' in task " + taskId);
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
        task(workspaceId, id, "id");
        db.update("UPDATE export_tasks SET deleted = 1, ended_at = COALESCE(ended_at, ?) WHERE id = ?", System.currentTimeMillis(), id);
    }

    /** Throws 404 unless the task exists in this workspace; {@code field} is the request's name for the id. */
    private TaskRow task(long workspaceId, String id, String field) {
        return db.queryOne("SELECT * FROM export_tasks WHERE id = ? AND workspace_id = ? AND deleted = 0", rs -> new TaskRow(
                        rs.getString("id"), rs.getString("name"), rs.getString("creator"), rs.getLong("connector_id"),
                        rs.getString("connector_name"), rs.getInt("type"), rs.getInt("status"), rs.getString("config"),
                        rs.getLong("created_at"), Database.nullableLong(rs, "ended_at")), id, workspaceId)
                .orElseThrow(() -> new NotFoundException(field, "no task '" + id + "' in this workspace"));
    }

    public record TaskRow(String id, String name, String creator, long connectorId, String connectorName, int type,
                          int status, String config, long createdAt, Long endedAt) {
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
